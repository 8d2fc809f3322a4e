export { TemplateError, type TemplateProblem } from './errors.ts';
export { DATA_FILES, type TemplateData } from './data-format.ts';
export { ATTAIN_VERSION, listTemplateDirs, manifestProblems, readTemplateDir, requirementProblems, SHIPPED_TEMPLATES_DIR, type TemplateManifest, type TemplatePackage } from './manifest.ts';
export { applyMerge, mergeTemplate, type Conflict, type DocChange, type MergePlan, type Resolutions } from './merge3.ts';
export { installations, installed, templatesModule, type Installation } from './installed.ts';
export { loadTemplateData, type LoadReport } from './load-data.ts';
export { acceptUpgrade, installInto, installNew, planUpgrade, rollbackUpgrade, uninstall, type InstallResult, type NewTenant, type UpgradePlan } from './service.ts';
export { exportTemplate } from './export.ts';
export { writeTemplateDir } from './write-dir.ts';
