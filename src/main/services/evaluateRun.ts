/**
 * Evaluate a recorded run's network as it was at one of its snapshots, without training it
 * further and without writing anything: the weights AND the rest of the model's state
 * (diehl-cook-2015's adaptive thresholds θ, potentials, traces, spikes in flight) and the
 * encoder's random stream, all restored from the snapshot. Learning is off (θ frozen). The
 * neurons are labelled from the run's own training images, as the run's own evaluation did, and
 * the test images are the run's own or the source images [first, end) of a held-out range.
 *
 * At the run's final snapshot, with its own test images, this reproduces the run's recorded
 * evaluation exactly: Experiment.finish takes that snapshot (encoder state included) right
 * before it evaluates, so the same state gives the same input spikes, bit for bit.
 *
 * Errors are ApiErrors: 'not-found' (no such run, no complete snapshot, no model state),
 * 'invalid-argument' (a test range outside the source or overlapping the training images).
 */
import { ApiError } from '../../shared/api'
import type { ExperimentConfig } from '../../shared/config'
import { planData } from '../../engine/experiment/data'
import { evaluateNetwork, type LoadedData } from '../../engine/experiment/run'
import type { EvaluationResult } from '../../engine/evaluation'
import type { RunStore } from '../db'
import { loadPlannedInputs, loadSnapshot, rebuildNetwork, type LoadedSnapshot } from './exportService'

export interface EvaluateRunRequest {
  runId: number
  /** Snapshot step; default: the latest step with every layer recorded. */
  step?: number
  /** Test on the source images [first, end) instead of the run's own test images (data.testRange replaced). */
  testRange?: readonly [number, number]
  /** Images presented so far of the labelling and test passes (for a progress bar). */
  onProgress?: (done: number, total: number) => void
}

export interface EvaluateRunResult {
  runId: number
  step: number
  /** The range the test images came from; null when the run's own per-class test selection was used. */
  testRange: [number, number] | null
  classLabels: number[]
  evaluation: EvaluationResult
}

const invalid = (message: string) => new ApiError('invalid-argument', message)
const range = ([first, end]: readonly [number, number]) => `[${first}, ${end})`

/** The run's snapshot, or a message that says what the run has instead. */
function requireSnapshot(store: RunStore, runId: number, step: number | undefined): LoadedSnapshot {
  const row = store.runs.get(runId)
  if (!row) throw new ApiError('not-found', `run ${runId} does not exist`)
  const layers = (JSON.parse(row.configJson) as ExperimentConfig).network.layers.length
  // Ascending, for the message that lists them.
  const steps = store.snapshots.completeSteps(runId, layers).reverse()
  if (steps.length === 0) throw new ApiError('not-found', `run ${runId} (${row.status}) has no complete snapshot yet: there is no recorded network to evaluate`)
  if (step !== undefined && !steps.includes(step)) throw new ApiError('not-found', `run ${runId} has no complete snapshot at step ${step} (it has: ${steps.join(', ')})`)
  return loadSnapshot(store, runId, step)
}

/** Check a held-out range against the test source's size and the run's training images. */
function checkTestRange(config: ExperimentConfig, data: LoadedData, trainIndices: Int32Array, runId: number, testRange: readonly [number, number]): void {
  const [first, end] = testRange
  if (!Number.isInteger(first) || !Number.isInteger(end) || first < 0 || end <= first) {
    throw invalid(`test range ${range(testRange)}: expected two integers FIRST END with 0 ≤ FIRST < END`)
  }
  const testSet = data.testSource ?? data.source
  if (end > testSet.count) throw invalid(`test range ${range(testRange)}: goes past the end of ${testSet.source} (${testSet.count} images)`)
  // A separate test source shares no images with the training source.
  if (data.testSource) return
  const trainRange = config.data.order ? null : config.data.trainRange
  if (trainRange) {
    if (first < trainRange[1] && trainRange[0] < end) {
      throw invalid(`test range ${range(testRange)} overlaps run ${runId}'s training range ${range(trainRange)}: a held-out evaluation never tests on training images`)
    }
    return
  }
  let low = Infinity
  let high = -Infinity
  let overlaps = false
  for (const i of trainIndices) {
    low = Math.min(low, i)
    high = Math.max(high, i)
    if (i >= first && i < end) overlaps = true
  }
  if (overlaps) {
    throw invalid(
      `test range ${range(testRange)} overlaps run ${runId}'s training images (${trainIndices.length} images within ${range([low, high + 1])}): a held-out evaluation never tests on training images`
    )
  }
}

/** Rebuild the run's network at the snapshot and evaluate it (learning off); writes nothing. */
export function evaluateRun(context: { store: RunStore }, request: EvaluateRunRequest): EvaluateRunResult {
  const { runId } = request
  const snapshot = requireSnapshot(context.store, runId, request.step)
  const { config } = snapshot
  const { data, plan: runPlan } = loadPlannedInputs(config)
  let plan = runPlan
  if (request.testRange) {
    checkTestRange(config, data, runPlan.trainIndices, runId, request.testRange)
    const testRange: [number, number] = [request.testRange[0], request.testRange[1]]
    plan = planData({ ...config.data, testRange }, data.source, data.testSource)
  }
  const network = rebuildNetwork(snapshot, runId, data.source.width, data.source.height)
  const evaluation = evaluateNetwork(network, plan, config.evaluation.prediction, request.onProgress)
  const used = request.testRange ?? config.data.testRange ?? null
  return { runId, step: snapshot.step, testRange: used && [used[0], used[1]], classLabels: plan.classLabels, evaluation }
}
