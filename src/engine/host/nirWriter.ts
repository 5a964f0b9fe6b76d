/**
 * NIR (Neuromorphic Intermediate Representation, neuromorphs/NIR) files of a seed network:
 * Input → Affine → LIF [→ Affine → LIF …] → Output, written with h5wasm in the layout NIR's
 * own reader expects (nir.read):
 *
 *   /version                 string
 *   /node/type               "NIRGraph"
 *   /node/nodes/<name>/type  "Input" | "Affine" | "LIF" | "Output", plus the node's parameters
 *   /node/edges              string array [edges, 2]: (source node, target node)
 *   /node/metadata/…         where the weights came from and what NIR cannot express
 *
 * Host code: h5wasm writes through the file system. The seed's discrete-time LIF is mapped onto
 * NIR's continuous one by `nirLifParameters` (see there and docs/export.md).
 */
import type { NetworkConfig } from '../network/network'

export const NIR_VERSION = '1.0.0'

export interface NirLayer {
  neurons: number
  inputs: number
  /** neurons × inputs, neuron-major: the values written (quantized weights as reals, usually). */
  weights: ArrayLike<number>
  /** Threshold per neuron in weight units (a variable threshold: its value for a typical image). */
  threshold: number
}

export interface NirNode {
  type: 'Input' | 'Affine' | 'LIF' | 'Output'
  /** Datasets of the node group: float32 arrays with their shape, or int64 shapes. */
  data: Record<string, { values: Float32Array | BigInt64Array; shape: number[] }>
}

export interface NirGraph {
  nodes: [string, NirNode][]
  edges: [string, string][]
  metadata: Record<string, string | number>
}

/**
 * The seed LIF in NIR terms. Seed, per step: v += Σ w·s; if v > Prest: v −= D; spike when
 * v ≥ th (reset to Prest, t_ref steps refractory); v < Pmin snaps to Prest. NIR LIF:
 * τ dv/dt = (v_leak − v) + R·I, spike when v > v_threshold, reset to v_reset. With the time unit
 * one step: v_leak = v_reset = Prest; τ = (th − Prest) / D, so the exponential leak removes D per
 * step at the threshold, where the seed's constant leak matters most; R = τ, so an input spike of
 * weight w (a unit-area current pulse) raises v by w, as in the seed. Refractoriness, Pmin and
 * winner-take-all have no NIR counterpart and are written to the metadata.
 */
export function nirLifParameters(config: NetworkConfig, threshold: number): { tau: number; r: number; vLeak: number; vReset: number; vThreshold: number } {
  const { restPotential, leak } = config.neuron
  const span = threshold - restPotential
  // Without leak (or a threshold at rest) the neuron is a pure integrator: an "infinite" τ.
  const tau = leak > 0 && span > 0 ? span / leak : 1e9
  return { tau, r: tau, vLeak: restPotential, vReset: restPotential, vThreshold: threshold }
}

/** The graph to write (pure: testable without files). */
export function nirGraphOf(config: NetworkConfig, layers: readonly NirLayer[], metadata: Record<string, string | number>): NirGraph {
  const f32 = (values: ArrayLike<number>) => Float32Array.from(values)
  const filled = (n: number, value: number) => ({ values: new Float32Array(n).fill(value), shape: [n] })
  const nodes: [string, NirNode][] = [['input', { type: 'Input', data: { shape: { values: BigInt64Array.from([BigInt(layers[0].inputs)]), shape: [1] } } }]]
  layers.forEach((layer, l) => {
    const suffix = l === 0 ? '' : `_${l}`
    const lif = nirLifParameters(config, layer.threshold)
    nodes.push([
      `affine${suffix}`,
      {
        type: 'Affine',
        data: {
          weight: { values: f32(layer.weights), shape: [layer.neurons, layer.inputs] },
          bias: filled(layer.neurons, 0)
        }
      }
    ])
    nodes.push([
      `lif${suffix}`,
      {
        type: 'LIF',
        data: {
          tau: filled(layer.neurons, lif.tau),
          r: filled(layer.neurons, lif.r),
          v_leak: filled(layer.neurons, lif.vLeak),
          v_reset: filled(layer.neurons, lif.vReset),
          v_threshold: filled(layer.neurons, lif.vThreshold)
        }
      }
    ])
  })
  const last = layers[layers.length - 1]
  nodes.push(['output', { type: 'Output', data: { shape: { values: BigInt64Array.from([BigInt(last.neurons)]), shape: [1] } } }])
  const names = nodes.map(([name]) => name)
  const edges = names.slice(1).map((name, i): [string, string] => [names[i], name])
  const { neuron, inhibition, threshold } = config
  return {
    nodes,
    edges,
    metadata: {
      ...metadata,
      time_step: 'one seed step (tau in steps)',
      refractory_steps: neuron.refractorySteps,
      min_potential: neuron.minPotential,
      constant_leak: neuron.leak,
      threshold_mode: threshold.mode,
      inhibition: inhibition.kind,
      inhibit_potential: inhibition.potential
    }
  }
}

type H5Module = typeof import('h5wasm/node')
let h5wasmLoaded: Promise<H5Module> | null = null

/** h5wasm is ESM-only: loaded once, on first use. */
async function loadH5wasm(): Promise<H5Module> {
  h5wasmLoaded ??= import('h5wasm/node').then(async (module) => {
    await module.ready
    return module
  })
  return h5wasmLoaded
}

/** Write `graph` to `path` (absolute; replaced if it exists). Large arrays are gzip-compressed. */
export async function writeNirFile(path: string, graph: NirGraph): Promise<void> {
  const h5wasm = await loadH5wasm()
  const file = new h5wasm.File(path, 'w')
  try {
    file.create_dataset({ name: 'version', data: NIR_VERSION })
    const root = file.create_group('node')
    root.create_dataset({ name: 'type', data: 'NIRGraph' })
    const nodes = root.create_group('nodes')
    for (const [name, node] of graph.nodes) {
      const group = nodes.create_group(name)
      group.create_dataset({ name: 'type', data: node.type })
      for (const [key, { values, shape }] of Object.entries(node.data)) {
        const compress = values.length > 16
        group.create_dataset({ name: key, data: values, shape, ...(compress ? { compression: 'gzip' as const, compression_opts: 6, chunks: shape } : {}) })
      }
    }
    root.create_dataset({ name: 'edges', data: graph.edges.flat(), shape: [graph.edges.length, 2] })
    const metadata = root.create_group('metadata')
    for (const [key, value] of Object.entries(graph.metadata)) {
      metadata.create_dataset({ name: key, data: typeof value === 'number' ? new Float64Array([value]) : value, ...(typeof value === 'number' ? { shape: [] } : {}) })
    }
  } finally {
    file.close()
  }
}

