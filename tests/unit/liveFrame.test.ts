/** The live view's frames: what the engine worker streams is what the network did, in bounded size. */
import { describe, expect, it } from 'vitest'
import { Experiment, type PresentationRecord } from '../../src/engine/experiment/run'
import { LiveRecorder, LIVE_FRAME_MS, LIVE_LIMITS } from '../../src/engine/host/liveFrame'
import { runWorker } from '../../src/engine/host/worker'
import { loadInputs } from '../../src/engine/host/loadInputs'
import { DiehlCookNetwork } from '../../src/engine/network/diehlCookNetwork'
import { parseExperimentConfig, type ExperimentConfigInput } from '../../src/shared/config'
import { ENGINE_PROTOCOL_VERSION, type EngineReport, type HostToEngine } from '../../src/shared/engineProtocol'

/** Train `input` with a LiveRecorder fed as the worker feeds it; also keep every record (with spike times). */
function train(input: ExperimentConfigInput, limits = LIVE_LIMITS) {
  const config = parseExperimentConfig({ evaluation: { enabled: false }, ...input })
  const data = loadInputs(config)
  const records: PresentationRecord[] = []
  let recorder: LiveRecorder | null = null
  const experiment: Experiment = new Experiment(config, data, {
    traceNeurons: [0, 1],
    monitorSpikes: true,
    recordSpikeTimes: true,
    onPresentation: (record) => {
      records.push(record)
      recorder!.record(experiment.monitor, record.image, record.label, record.winner)
    }
  })
  recorder = new LiveRecorder(experiment.network, data.source, [0, 1], limits)
  expect(recorder.frame(true)).toBeNull()
  experiment.trainFor(Infinity)
  return { experiment, records, recorder, source: data.source }
}

describe('LiveRecorder', () => {
  it('streams the latest images\' output spikes, winners, input image and spike train (seed-2017)', () => {
    const limits = { ...LIVE_LIMITS, rasterImages: 3, winnerHistory: 5 }
    const { experiment, records, recorder, source } = train({ steps: 60, network: { layers: [{ neurons: 4 }] }, data: { trainPerClass: 4, testPerClass: 0 } }, limits)
    const frame = recorder.frame(false)!
    expect(records).toHaveLength(12)
    // The rings wrapped: the last five winners and labels, the last three images' spikes.
    expect(frame.recentWinners).toEqual(records.slice(-5).map((r) => r.winner))
    expect(frame.recentLabels).toEqual(records.slice(-5).map((r) => r.label))
    expect(frame.raster.winners).toEqual(records.slice(-3).map((r) => r.winner))
    const lastThree = records.slice(-3)
    lastThree.forEach((record, i) => {
      const times = record.spike_times!.map(() => [] as number[])
      frame.raster.spikeImage.forEach((image, k) => image === i && times[frame.raster.spikeNeuron[k]].push(frame.raster.spikeStep[k]))
      expect(times).toEqual(record.spike_times)
    })
    expect(frame.raster).toMatchObject({ neurons: 4, steps: 60, dropped: 0 })
    // The input: the latest image's pixels and every spike of its encoded train.
    const last = records[records.length - 1]
    const size = source.width * source.height
    expect(frame.input).toMatchObject({ image: last.image, label: last.label, width: 28, height: 28, steps: 60, dropped: 0 })
    expect(frame.input.pixels).toEqual(Array.from(source.pixels.subarray(last.image * size, (last.image + 1) * size)))
    const network = experiment.network as { inputTrain?: { total: number } }
    expect(frame.input.spikeInput.length).toBe(network.inputTrain!.total)
    expect(frame.input.spikeStep.every((t, k) => k === 0 || t >= frame.input.spikeStep[k - 1])).toBe(true)
    expect(frame.thresholds).toEqual([experiment.network.outputThreshold, experiment.network.outputThreshold])
    expect(frame.weights).toBeNull()
  })

  it('sends diehl-cook-2015 per-neuron thresholds (v_thresh + θ) and byte-quantized weights', () => {
    const { experiment, recorder } = train({
      preset: 'diehl-cook-2015',
      network: { layers: [{ neurons: 5 }] },
      data: { trainRange: [0, 6], testRange: [6, 8] }
    })
    const network = experiment.network as DiehlCookNetwork
    const frame = recorder.frame(true)!
    expect(frame.thresholds).toEqual([network.excitatory.thresholdOf(0), network.excitatory.thresholdOf(1)])
    // θ only grows while training: every threshold is at or above v_thresh (−52 mV), and some neuron fired.
    expect(frame.thresholds.every((v) => v >= -52)).toBe(true)
    expect(frame.raster.spikeNeuron.length).toBeGreaterThan(0)
    expect(frame.raster.steps).toBe(700)
    const weights = frame.weights!
    expect(weights).toMatchObject({ neurons: 5, inputs: 784 })
    const bytes = Buffer.from(weights.base64, 'base64')
    expect(bytes.length).toBe(5 * 784)
    const exact = network.layers[0].getWeights()
    const step = (weights.max - weights.min) / 255
    let worst = 0
    for (let i = 0; i < exact.length; i++) worst = Math.max(worst, Math.abs(weights.min + bytes[i] * step - exact[i]))
    expect(worst).toBeLessThanOrEqual(step / 2 + 1e-12)
  })

  it('bounds what it sends: spikes per image and input spikes beyond the limits are counted, not sent', () => {
    const limits = { ...LIVE_LIMITS, spikesPerImage: 1, inputSpikes: 10, weightBytes: 100 }
    const { recorder } = train({ preset: 'diehl-cook-2015', network: { layers: [{ neurons: 5 }] }, data: { trainRange: [0, 3], testRange: [3, 4] } }, limits)
    const frame = recorder.frame(true)!
    expect(frame.raster.spikeNeuron.length).toBeLessThanOrEqual(3)
    expect(frame.raster.dropped).toBeGreaterThan(0)
    expect(frame.input.spikeInput).toHaveLength(10)
    expect(frame.input.dropped).toBeGreaterThan(0)
    expect(frame.weights).toBeNull()
  })
})

describe('the engine worker\'s progress', () => {
  it('carries live frames (with the traces) at most every LIVE_FRAME_MS, and the last one with the weights', async () => {
    const sent: { at: number; msg: EngineReport }[] = []
    let deliver: (msg: HostToEngine) => void = () => undefined
    // 3,600 images: long enough (a few hundred ms even on a fast machine) for several progress messages.
    const config = parseExperimentConfig({ steps: 100, epochs: 4, network: { layers: [{ neurons: 4 }] }, data: { trainPerClass: 300, testPerClass: 0 }, evaluation: { enabled: false } })
    const finished = new Promise<void>((resolve) => {
      void runWorker({
        send: (msg) => {
          // A batch's reports left together; each is recorded as if it had come alone.
          for (const report of msg.type === 'batch' ? msg.messages : [msg]) {
            sent.push({ at: performance.now(), msg: report })
            if (report.type === 'done') resolve()
          }
        },
        onMessage: (cb) => (deliver = cb)
      })
    })
    deliver({ type: 'start', protocol: ENGINE_PROTOCOL_VERSION, runId: 1, config, resume: null, progressIntervalMs: 20, traceNeurons: [0, 1] })
    await finished
    const progress = sent.filter((s) => s.msg.type === 'progress') as { at: number; msg: Extract<EngineReport, { type: 'progress' }> }[]
    const withLive = progress.filter((p) => p.msg.live)
    expect(progress.length).toBeGreaterThan(withLive.length)
    // Traces travel with live frames only; frames are at least LIVE_FRAME_MS apart (the final one excepted).
    expect(progress.every((p) => (p.msg.traces !== null) === (p.msg.live !== null))).toBe(true)
    for (let i = 1; i < withLive.length - 1; i++) expect(withLive[i].at - withLive[i - 1].at).toBeGreaterThanOrEqual(LIVE_FRAME_MS - 30)
    const last = progress[progress.length - 1].msg
    expect(last.done).toBe(3600)
    expect(last.live?.weights).toMatchObject({ neurons: 4, inputs: 784 })
    expect(last.live?.recentWinners).toHaveLength(100)
  })
})
