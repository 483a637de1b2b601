import { Application, type Comment, type DeclarationReflection, type Reflection, ReflectionKind } from 'typedoc';
function hasText(c: Comment | undefined) { return [...(c?.summary ?? []), ...(c?.blockTags ?? []).flatMap((t) => t.content)].some((p) => p.text.trim() !== ''); }
function documented(r: DeclarationReflection): boolean {
  return hasText(r.comment) || (r.signatures ?? []).some((s) => hasText(s.comment)) || hasText(r.getSignature?.comment) || hasText(r.setSignature?.comment);
}
const app = await Application.bootstrapWithPlugins({ options: 'typedoc.json', logLevel: 'Error' });
const project = (await app.convert())!;
const own = (r: Reflection) => (r as DeclarationReflection).sources?.some((s) => s.fileName.includes('src/')) ?? false;
const members = project.getReflectionsByKind(ReflectionKind.Method | ReflectionKind.Property | ReflectionKind.Accessor).filter((r) => own(r) && !documented(r as DeclarationReflection));
const by = new Map<string, string[]>();
for (const m of members) {
  const d = m as DeclarationReflection;
  const inherited = d.inheritedFrom ? ' (inherited)' : '';
  const key = `${m.parent?.name} [${ReflectionKind.singularString(m.parent!.kind)}] ${d.sources?.[0]?.fileName}`;
  by.set(key, [...(by.get(key) ?? []), m.name + inherited]);
}
console.log('total', members.length);
for (const [k, v] of [...by].sort((a, b) => b[1].length - a[1].length)) console.log(`${v.length}\t${k}: ${v.join(', ')}`);
