// Wave dependency graph: levels for drawing, and the cycle or unknown name that breaks it.
// A wave without `dependsOn` follows the wave before it (the plan's list order), as the
// engine runs it; `dependsOn: []` starts it at once.

export interface WaveNode {
  name: string;
  dependsOn?: string[] | null;
}

export interface Layout {
  levels: string[][]; // waves that may run together, in order
  edges: [string, string][]; // [from, to]: `to` waits for `from`
  problem: string | null;
}

export function dependencies(waves: WaveNode[]): Map<string, string[]> {
  const deps = new Map<string, string[]>();
  waves.forEach((wave, i) => {
    const previous = i > 0 ? waves[i - 1]!.name : null;
    deps.set(wave.name, wave.dependsOn ?? (previous ? [previous] : []));
  });
  return deps;
}

export function layout(waves: WaveNode[]): Layout {
  const deps = dependencies(waves);
  const edges: [string, string][] = [];
  for (const [name, on] of deps) for (const d of on) edges.push([d, name]);
  for (const [name, on] of deps) {
    const unknown = on.find((d) => !deps.has(d));
    if (unknown) return { levels: [], edges, problem: `${name} depends on unknown wave ${unknown}` };
    if (on.includes(name)) return { levels: [], edges, problem: `${name} depends on itself` };
  }
  const level = new Map<string, number>();
  const visiting = new Set<string>();
  const cycle: string[] = [];
  const depth = (name: string): number => {
    const known = level.get(name);
    if (known !== undefined) return known;
    if (visiting.has(name)) {
      cycle.push(name);
      return -1;
    }
    visiting.add(name);
    let deepest = -1;
    for (const d of deps.get(name) ?? []) {
      const found = depth(d);
      if (found === -1 && cycle.length) {
        if (cycle.length === 1 || cycle[0] !== cycle[cycle.length - 1]) cycle.push(name);
        return -1;
      }
      deepest = Math.max(deepest, found);
    }
    visiting.delete(name);
    level.set(name, deepest + 1);
    return deepest + 1;
  };
  for (const wave of waves) {
    if (depth(wave.name) === -1) {
      const loop = cycle.slice().reverse();
      return { levels: [], edges, problem: `dependency cycle: ${loop.join(" → ")}` };
    }
  }
  const levels: string[][] = [];
  for (const wave of waves) {
    const l = level.get(wave.name)!;
    (levels[l] ??= []).push(wave.name);
  }
  return { levels, edges, problem: null };
}
