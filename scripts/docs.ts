// `npm run docs`: the API reference (TypeDoc, typedoc.json) from src/index.ts's exports into
// api-docs/. Fails, listing them, when a public export has no documentation comment, and (TypeDoc's
// validation.notDocumented, typedoc.json) when a method or accessor of one has none. Properties
// (option and result fields) are not required yet: those missing a comment are printed as a count.
// typedoc.json's intentionallyNotDocumented names bson's Timestamp methods, which bson documents
// nowhere; protected members are excluded from the reference (they are for subclasses only).
// `--check` runs the checks only (spec/tools/docs.test.ts).
import {
  Application,
  type Comment,
  type DeclarationReflection,
  ReferenceReflection,
  type Reflection,
  ReflectionKind,
} from 'typedoc';

function hasText(comment: Comment | undefined): boolean {
  const parts = [...(comment?.summary ?? []), ...(comment?.blockTags ?? []).flatMap((t) => t.content)];
  return parts.some((part) => part.text.trim() !== '');
}

function documented(r: DeclarationReflection): boolean {
  // An export under a second name (`export { A as B }`) has the comment of what it names.
  if (r instanceof ReferenceReflection)
    return documented(r.getTargetReflectionDeep() as DeclarationReflection);
  // Functions carry their comment on a signature, accessors on their get/set signature.
  return (
    hasText(r.comment) ||
    (r.signatures ?? []).some((s) => hasText(s.comment)) ||
    hasText(r.getSignature?.comment) ||
    hasText(r.setSignature?.comment)
  );
}

async function main(): Promise<number> {
  const app = await Application.bootstrapWithPlugins({ options: 'typedoc.json' });
  const project = await app.convert();
  if (!project) return 1;
  // Re-exports of bson (ObjectId, Long, ...) are documented by bson itself.
  const own = (r: Reflection): boolean =>
    (r as DeclarationReflection).sources?.some((s) => s.fileName.includes('src/')) ?? false;
  const exports = (project.children ?? []).filter(own);
  const missing = exports.filter((r) => !documented(r));
  const members = project
    .getReflectionsByKind(ReflectionKind.Method | ReflectionKind.Property | ReflectionKind.Accessor)
    .filter((r) => own(r) && !documented(r as DeclarationReflection));
  console.log(
    `${exports.length} public exports; ${members.length} properties without a comment (not required)`,
  );
  if (missing.length > 0) {
    console.error(`${missing.length} public export(s) without documentation:`);
    for (const r of missing) {
      const where = r.sources?.[0];
      console.error(
        `  ${r.name} (${ReflectionKind.singularString(r.kind)}) ${where?.fileName}:${where?.line}`,
      );
    }
    return 1;
  }
  app.validate(project);
  if (app.logger.hasErrors() || app.logger.hasWarnings()) return 1;
  // `--check` (npm test): the checks without writing the site.
  if (process.argv.includes('--check')) return 0;
  await app.generateDocs(project, app.options.getValue('out'));
  console.log(`API reference written to ${app.options.getValue('out')}/index.html`);
  return app.logger.hasErrors() ? 1 : 0;
}

process.exitCode = await main();
