import { Application, type Comment, type DeclarationReflection, type Reflection, ReflectionKind } from 'typedoc';
function hasText(c: Comment | undefined) { return [...(c?.summary ?? []), ...(c?.blockTags ?? []).flatMap((t) => t.content)].some((p) => p.text.trim() !== ''); }
function documented(r: DeclarationReflection): boolean {
  return hasText(r.comment) || (r.signatures ?? []).some((s) => hasText(s.comment)) || hasText(r.getSignature?.comment) || hasText(r.setSignature?.comment);
}
const app = await Application.bootstrapWithPlugins({ options: 'typedoc.json', logLevel: 'Error' });
const project = (await app.convert())!;
const own = (r: Reflection) => (r as DeclarationReflection).sources?.some((s) => s.fileName.includes('src/')) ?? false;
const members = project.getReflectionsByKind(ReflectionKind.Method | ReflectionKind.Property | ReflectionKind.Accessor).filter((r) => own(r) && !documented(r as DeclarationReflection));
const count = new Map<string, number>();
for (const m of members) { const k = `${ReflectionKind.singularString(m.kind)} of ${ReflectionKind.singularString(m.parent!.kind)}`; count.set(k, (count.get(k) ?? 0) + 1); }
console.log(count);
for (const m of members) if (m.kind !== ReflectionKind.Property || m.parent?.kind === ReflectionKind.Class) console.log(ReflectionKind.singularString(m.kind), m.parent?.name, m.name, (m as DeclarationReflection).inheritedFrom ? 'inh' : '');
