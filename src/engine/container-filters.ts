/** `ps --filter`: Docker's keys (status, name, label, ancestor, exited, id, health) and matching. */
import { invalidArgument } from '../core/errors.js';
import type { ContainerView } from './containers.js';

const filterKeys = ['status', 'name', 'label', 'ancestor', 'exited', 'id', 'health'];
const healthValues = ['starting', 'healthy', 'unhealthy', 'none'];

export function containerMatches(v: ContainerView, filters: string[]): boolean {
  const by = new Map<string, string[]>();
  for (const f of filters) {
    const eq = f.indexOf('=');
    const key = f.slice(0, eq);
    if (eq <= 0 || !filterKeys.includes(key))
      throw invalidArgument(`invalid filter '${eq <= 0 ? f : key}'`);
    const value = f.slice(eq + 1);
    if (key === 'health' && !healthValues.includes(value))
      throw invalidArgument(`Unrecognised filter value for health: ${value}`);
    by.set(key, [...(by.get(key) ?? []), value]);
  }
  const any = (key: string, test: (value: string) => boolean) =>
    !by.has(key) || by.get(key)!.some(test);
  const { record: r, state: s } = v;
  return (
    any('status', (x) => x === s.status) &&
    any('name', (x) => new RegExp(x).test(r.name)) &&
    any('id', (x) => r.id.startsWith(x)) &&
    any('exited', (x) => s.status === 'exited' && s.exitCode === Number(x)) &&
    any('health', (x) => x === (s.health?.status ?? 'none')) &&
    any('ancestor', (x) => r.image === x || r.image.split(':')[0] === x || r.imageId.includes(x)) &&
    (!by.has('label') ||
      by.get('label')!.every((x) => {
        const [k, val] = x.split(/=(.*)/s) as [string, string | undefined];
        const labels = r.config.Labels ?? {};
        return k in labels && (val === undefined || labels[k] === val);
      }))
  );
}
