import type { Template } from 'aws-cdk-lib/assertions';
import { z } from 'zod';

const resourceSchema = z.object({
  Properties: z.record(z.string(), z.unknown()).default({}),
  DependsOn: z.array(z.string()).default([]),
});

export interface TemplateResource {
  logicalId: string;
  Properties: Record<string, unknown>;
  DependsOn: string[];
}

/** The resources of one type in a template, with their logical ids. */
export function resourcesOf(template: Template, type: string): TemplateResource[] {
  return Object.entries(template.findResources(type)).map(([logicalId, resource]) => ({
    logicalId,
    ...resourceSchema.parse(resource),
  }));
}

/** The one resource of a type whose logical id starts with `prefix` (CDK appends a hash). */
export function resourceNamed(template: Template, type: string, prefix: string): TemplateResource {
  const matching = resourcesOf(template, type).filter((resource) => resource.logicalId.startsWith(prefix));
  if (matching.length !== 1)
    throw new Error(`expected one ${type} named ${prefix}*, found ${matching.length}`);
  return matching[0] as TemplateResource;
}
