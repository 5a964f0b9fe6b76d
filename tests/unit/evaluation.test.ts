import { describe, it, expect } from 'vitest'
import {
  accuracy,
  assignLabels,
  classResponseCounts,
  classResponseSpread,
  confusionMatrix,
  countSamplesPerClass,
  evaluateResponses,
  noiseNeurons,
  predict
} from '../../src/engine/evaluation'

const i32 = (values: number[]): Int32Array => Int32Array.from(values)
const f64 = (values: number[]): Float64Array => Float64Array.from(values)

describe('countSamplesPerClass', () => {
  it('counts each class and rejects out-of-range labels', () => {
    expect(Array.from(countSamplesPerClass(i32([0, 2, 2, 0, 2]), 3))).toEqual([2, 0, 3])
    expect(() => countSamplesPerClass(i32([0, 3]), 3)).toThrow(/0\.\.2/)
  })
})

describe('classResponseCounts', () => {
  it('sums each neuron’s spikes over the samples of each class', () => {
    // 3 samples × 2 neurons; labels 0, 1, 1.
    const counts = i32([1, 0, 2, 3, 0, 4])
    const responses = classResponseCounts(counts, i32([0, 1, 1]), 2, 2)
    // neuron 0: class 0 = 1, class 1 = 2 + 0; neuron 1: class 0 = 0, class 1 = 3 + 4
    expect(Array.from(responses)).toEqual([1, 2, 0, 7])
  })

  it('rejects mismatched sizes and bad labels', () => {
    expect(() => classResponseCounts(i32([1, 2, 3]), i32([0, 1]), 2, 2)).toThrow(/samples × neurons/)
    expect(() => classResponseCounts(i32([1, 2]), i32([2]), 2, 2)).toThrow(/labels must lie/)
    expect(() => classResponseCounts(i32([1, 2]), i32([0]), 0, 2)).toThrow(/neurons/)
  })
})

describe('assignLabels', () => {
  it('picks the strongest class, lowest index on ties, -1 for silent neurons', () => {
    const responses = f64([
      2, 5, 5, // tie between 1 and 2 → 1
      0, 0, 0, // never fired
      4, 0, 0 // only class 0
    ])
    const { labels, selectivity } = assignLabels(responses, 3, 3)
    expect(Array.from(labels)).toEqual([1, -1, 0])
    expect(selectivity[0]).toBeCloseTo(5 / 12, 12)
    expect(selectivity[1]).toBe(0)
    expect(selectivity[2]).toBe(1)
  })

  it('compares average responses when samplesPerClass is given, raw totals otherwise', () => {
    // 6 spikes over 3 samples of class 0 (avg 2) vs 4 spikes over 1 sample of class 1 (avg 4).
    const responses = f64([6, 4])
    const totals = assignLabels(responses, 1, 2)
    expect(totals.labels[0]).toBe(0)
    expect(totals.selectivity[0]).toBeCloseTo(0.6, 12)
    const averages = assignLabels(responses, 1, 2, i32([3, 1]))
    expect(averages.labels[0]).toBe(1)
    expect(averages.selectivity[0]).toBeCloseTo(4 / 6, 12)
  })

  it('leaves classes without samples out and rejects responses to them', () => {
    const result = assignLabels(f64([4, 0]), 1, 2, i32([2, 0]))
    expect(result.labels[0]).toBe(0)
    expect(result.selectivity[0]).toBe(1)
    expect(() => assignLabels(f64([4, 1]), 1, 2, i32([2, 0]))).toThrow(/no samples/)
  })

  it('rejects wrongly sized inputs', () => {
    expect(() => assignLabels(f64([1, 2, 3]), 2, 2)).toThrow(/neurons × classes/)
    expect(() => assignLabels(f64([1, 2]), 1, 2, i32([1]))).toThrow(/samplesPerClass/)
  })
})

describe('noiseNeurons and classResponseSpread', () => {
  const responses = f64([
    10, 10, 10, // equal → spread 0
    10, 9.5, 9, // spread 0.1, exactly at the tolerance
    10, 0, 5, // selective → spread 1
    0, 0, 0, // silent → undefined spread
    10, 8, 10 // spread 0.2
  ])

  it('measures (max − min) / max per neuron', () => {
    const spread = classResponseSpread(responses, 5, 3)
    expect(spread[0]).toBe(0)
    expect(spread[1]).toBeCloseTo(0.1, 12)
    expect(spread[2]).toBe(1)
    expect(spread[3]).toBeNaN()
    expect(spread[4]).toBeCloseTo(0.2, 12)
  })

  it('flags neurons that fire about equally for every class, not selective or silent ones', () => {
    expect(Array.from(noiseNeurons(responses, 5, 3))).toEqual([1, 1, 0, 0, 0])
    expect(Array.from(noiseNeurons(responses, 5, 3, 0.25))).toEqual([1, 1, 0, 0, 1])
    expect(Array.from(noiseNeurons(responses, 5, 3, 0))).toEqual([1, 0, 0, 0, 0])
  })

  it('uses average responses when samplesPerClass is given', () => {
    // 20 spikes over 2 samples vs 10 over 1: equal averages, unequal totals.
    expect(noiseNeurons(f64([20, 10]), 1, 2)[0]).toBe(0)
    expect(noiseNeurons(f64([20, 10]), 1, 2, 0.1, i32([2, 1]))[0]).toBe(1)
  })

  it('rejects a negative tolerance', () => {
    expect(() => noiseNeurons(responses, 5, 3, -0.1)).toThrow(/tolerance/)
  })
})

describe('predict', () => {
  it("'max-neuron': label of the busiest labelled neuron, lowest index on ties, -1 when none fired", () => {
    const labels = i32([2, 0, -1])
    const counts = i32([
      1, 3, 0, // neuron 1 → class 0
      4, 4, 0, // tie → neuron 0 → class 2
      0, 0, 9, // only the unlabelled neuron fired → -1
      0, 0, 0, // silence → -1
      5, 1, 9 // unlabelled neuron ignored → neuron 0 → class 2
    ])
    expect(Array.from(predict(counts, 3, labels, 3, 'max-neuron'))).toEqual([0, 2, -1, -1, 2])
  })

  it("'class-vote': class with the highest mean count over its neurons, lowest class on ties", () => {
    const labels = i32([0, 0, 1, -1]) // class 2 has no neurons and can never win
    const counts = i32([
      2, 4, 3, 0, // class 0 mean 3, class 1 mean 3 → tie → 0
      6, 0, 4, 0, // class 0 mean 3, class 1 mean 4 → 1 (max-neuron would say 0)
      0, 0, 0, 7, // only the unlabelled neuron fired → -1
      0, 0, 0, 0, // silence → -1
      1, 0, 0, 0 // class 0 mean 0.5 → 0
    ])
    expect(Array.from(predict(counts, 4, labels, 3, 'class-vote'))).toEqual([0, 1, -1, -1, 0])
    expect(Array.from(predict(counts, 4, labels, 3, 'max-neuron'))).toEqual([0, 0, -1, -1, 0])
  })

  it('rejects inconsistent inputs', () => {
    expect(() => predict(i32([1, 2, 3]), 2, i32([0, 1]), 2, 'max-neuron')).toThrow(/multiple of neurons/)
    expect(() => predict(i32([1, 2]), 2, i32([0]), 2, 'max-neuron')).toThrow(/neuronLabels/)
    expect(() => predict(i32([1, 2]), 2, i32([0, 2]), 2, 'class-vote')).toThrow(/-1\.\.1/)
    // @ts-expect-error checking the runtime guard
    expect(() => predict(i32([1, 2]), 2, i32([0, 1]), 2, 'vote')).toThrow(/mode/)
  })
})

describe('confusionMatrix and accuracy', () => {
  const truth = i32([0, 0, 1, 1, 2])
  const predicted = i32([0, 1, 1, -1, 2])

  it('counts (true, predicted) pairs with a last column for no prediction', () => {
    expect(Array.from(confusionMatrix(truth, predicted, 3))).toEqual([
      1, 1, 0, 0,
      0, 1, 0, 1,
      0, 0, 1, 0
    ])
  })

  it('scores the fraction correct, with -1 counting as wrong', () => {
    expect(accuracy(truth, predicted)).toBeCloseTo(0.6, 12)
    expect(accuracy(i32([0, 1]), i32([0, 1]))).toBe(1)
    expect(accuracy(i32([]), i32([]))).toBe(0)
  })

  it('rejects mismatched or out-of-range inputs', () => {
    expect(() => accuracy(i32([0]), i32([0, 1]))).toThrow(/same length/)
    expect(() => confusionMatrix(i32([0]), i32([0, 1]), 2)).toThrow(/same length/)
    expect(() => confusionMatrix(i32([2]), i32([0]), 2)).toThrow(/trueLabels/)
    expect(() => confusionMatrix(i32([0]), i32([-2]), 2)).toThrow(/predicted/)
  })
})

describe('evaluateResponses', () => {
  // 3 neurons, 2 classes. Training: two class-0 samples, one class-1 sample.
  const trainCounts = i32([
    3, 0, 1,
    1, 0, 1,
    0, 5, 1
  ])
  const trainLabels = i32([0, 0, 1])
  // Responses: n0 [4, 0], n1 [0, 5], n2 [2, 1]; averages: n0 [2, 0], n1 [0, 5], n2 [1, 1].
  const testCounts = i32([
    2, 1, 0, // → 0, correct
    0, 2, 0, // → 1, correct
    0, 0, 3, // → neuron 2's label 0, wrong
    0, 0, 0 // → -1, wrong
  ])
  const testLabels = i32([0, 1, 1, 0])
  const base = { trainCounts, trainLabels, testCounts, testLabels, neurons: 3, classes: 2 }

  it('labels on averages, flags noise, and scores train and test sets', () => {
    for (const mode of ['max-neuron', 'class-vote'] as const) {
      const result = evaluateResponses({ ...base, mode })
      expect(result.neuronLabels).toEqual([0, 1, 0])
      expect(result.selectivity).toEqual([1, 1, 0.5])
      expect(result.noise).toEqual([false, false, true])
      expect(result.responses).toEqual([[4, 0], [0, 5], [2, 1]])
      expect(result.predicted).toEqual([0, 1, 0, -1])
      expect(result.accuracy).toBe(0.5)
      expect(result.trainAccuracy).toBe(1)
      expect(result.confusion).toEqual([[1, 0, 1], [1, 1, 0]])
      expect(result.testSamples).toBe(4)
      expect(JSON.parse(JSON.stringify(result))).toEqual(result)
    }
  })

  it("labels on raw totals with labelBy 'total'", () => {
    const result = evaluateResponses({ ...base, mode: 'max-neuron', labelBy: 'total' })
    expect(result.neuronLabels).toEqual([0, 1, 0])
    expect(result.selectivity[2]).toBeCloseTo(2 / 3, 12)
    expect(result.noise).toEqual([false, false, false])
  })

  it('rejects test counts that do not match the test labels', () => {
    expect(() =>
      evaluateResponses({ ...base, testCounts: i32([1, 2]), mode: 'max-neuron' })
    ).toThrow(/testCounts/)
  })
})
