;; The hot loops of the diehl-cook-2015 network (src/engine/network/diehlCookNetwork.ts),
;; compiled to src/engine/wasm/dcKernels.wasm.ts by `npm run build:wasm` (scripts/build-wasm.mjs).
;;
;; Each function does the same operations in the same order as the JavaScript it replaces
;; (DelayBuffer.arrivals; TraceStdp.onPreArrivals, updateDepression, onPostSpike; transmit; the
;; loop over every neuron of AdaptiveConductanceLifNeurons.step), so the doubles are bit for bit
;; the same: no reassociation, no fused multiply-add (wasm has none), SIMD only lane by lane.
;; The JavaScript stays as the reference the tests hold these to (tests/unit/wasmKernels.test.ts).
;;
;; Arrays are passed as byte addresses into the imported memory (typed-array views' byteOffset,
;; see dcKernels.ts); the caller keeps every array these touch in that memory.
(module
  (import "env" "memory" (memory 1))

  ;; TraceStdp.onPreArrivals: for every synapse s in the [start, end) pairs at `ranges`
  ;; (`rangeCount` pairs of i32), with j = post[s] (u16) and w = weights[s] (f64):
  ;;   targets[j] += w                                (ge of j)
  ;;   d = w − targets[neurons + j]                   (depressionNow of j)
  ;;   weights[s] = clip(d, 0, wMax)  as  f = (d + |d|) · 0.5;  f > wMax ? wMax : f
  (func (export "deliverArrivals")
    (param $ranges i32) (param $rangeCount i32) (param $post i32) (param $weights i32)
    (param $targets i32) (param $neurons i32) (param $wMax f64)
    (local $range i32) (local $rangesEnd i32) (local $postAt i32) (local $postEnd i32)
    (local $weightAt i32) (local $geAt i32) (local $depressionOffset i32)
    (local $w f64) (local $depressed f64) (local $floored f64)
    (local.set $depressionOffset (i32.shl (local.get $neurons) (i32.const 3)))
    (local.set $range (local.get $ranges))
    (local.set $rangesEnd (i32.add (local.get $ranges) (i32.shl (local.get $rangeCount) (i32.const 3))))
    (block $allDone
      (loop $eachRange
        (br_if $allDone (i32.ge_u (local.get $range) (local.get $rangesEnd)))
        (local.set $postAt (i32.add (local.get $post) (i32.shl (i32.load (local.get $range)) (i32.const 1))))
        (local.set $postEnd (i32.add (local.get $post) (i32.shl (i32.load offset=4 (local.get $range)) (i32.const 1))))
        (local.set $weightAt (i32.add (local.get $weights) (i32.shl (i32.load (local.get $range)) (i32.const 3))))
        (local.set $range (i32.add (local.get $range) (i32.const 8)))
        (block $rangeDone
          (loop $eachSynapse
            (br_if $rangeDone (i32.ge_u (local.get $postAt) (local.get $postEnd)))
            (local.set $geAt (i32.add (local.get $targets) (i32.shl (i32.load16_u (local.get $postAt)) (i32.const 3))))
            (local.set $w (f64.load (local.get $weightAt)))
            (f64.store (local.get $geAt) (f64.add (f64.load (local.get $geAt)) (local.get $w)))
            (local.set $depressed (f64.sub (local.get $w) (f64.load (i32.add (local.get $geAt) (local.get $depressionOffset)))))
            (local.set $floored (f64.mul (f64.add (local.get $depressed) (f64.abs (local.get $depressed))) (f64.const 0.5)))
            (f64.store (local.get $weightAt)
              (select (local.get $wMax) (local.get $floored) (f64.gt (local.get $floored) (local.get $wMax))))
            (local.set $postAt (i32.add (local.get $postAt) (i32.const 2)))
            (local.set $weightAt (i32.add (local.get $weightAt) (i32.const 8)))
            (br $eachSynapse)))
        (br $eachRange))))

  ;; DelayBuffer.arrivals: the synapses that input spikes reach at step `now` (f64; nowSlot =
  ;; now mod slots), as [start, end) pairs (i32) written at `ranges`; returns how many pairs.
  ;; For each delay d: the spikes emitted at step now − d (ring slot (nowSlot − d) mod slots, if
  ;; slotStep (f64) still holds that step) reach their (input, d) group of groupStart (i32).
  (func (export "arrivals")
    (param $now f64) (param $nowSlot i32) (param $slots i32) (param $inputs i32) (param $spikes i32)
    (param $spikeCount i32) (param $slotStep i32) (param $groupStart i32) (param $ranges i32)
    (result i32)
    (local $d i32) (local $emitted f64) (local $slot i32) (local $spikeAt i32) (local $spikesEnd i32)
    (local $groupAt i32) (local $start i32) (local $end i32) (local $rangeAt i32)
    (local.set $rangeAt (local.get $ranges))
    (block $allDone
      (loop $eachDelay
        (br_if $allDone (i32.ge_u (local.get $d) (local.get $slots)))
        (local.set $emitted (f64.sub (local.get $now) (f64.convert_i32_u (local.get $d))))
        (br_if $allDone (f64.lt (local.get $emitted) (f64.const 0)))
        (local.set $slot (i32.sub (local.get $nowSlot) (local.get $d)))
        (if (i32.lt_s (local.get $slot) (i32.const 0))
          (then (local.set $slot (i32.add (local.get $slot) (local.get $slots)))))
        (if (f64.eq (f64.load (i32.add (local.get $slotStep) (i32.shl (local.get $slot) (i32.const 3)))) (local.get $emitted))
          (then
            (local.set $spikeAt (i32.add (local.get $spikes) (i32.shl (i32.mul (local.get $slot) (local.get $inputs)) (i32.const 2))))
            (local.set $spikesEnd (i32.add (local.get $spikeAt)
              (i32.shl (i32.load (i32.add (local.get $spikeCount) (i32.shl (local.get $slot) (i32.const 2)))) (i32.const 2))))
            (block $spikesDone
              (loop $eachSpike
                (br_if $spikesDone (i32.ge_u (local.get $spikeAt) (local.get $spikesEnd)))
                (local.set $groupAt (i32.add (local.get $groupStart)
                  (i32.shl (i32.add (i32.mul (i32.load (local.get $spikeAt)) (local.get $slots)) (local.get $d)) (i32.const 2))))
                (local.set $start (i32.load (local.get $groupAt)))
                (local.set $end (i32.load offset=4 (local.get $groupAt)))
                (if (i32.ne (local.get $start) (local.get $end))
                  (then
                    (i32.store (local.get $rangeAt) (local.get $start))
                    (i32.store offset=4 (local.get $rangeAt) (local.get $end))
                    (local.set $rangeAt (i32.add (local.get $rangeAt) (i32.const 8)))))
                (local.set $spikeAt (i32.add (local.get $spikeAt) (i32.const 4)))
                (br $eachSpike)))))
        (local.set $d (i32.add (local.get $d) (i32.const 1)))
        (br $eachDelay)))
    (i32.shr_u (i32.sub (local.get $rangeAt) (local.get $ranges)) (i32.const 3)))

  ;; TraceStdp.updateDepression: for each neuron j in depressing[0 … depressingCount) (i32):
  ;;   gap = now − post1UpdatedAt[j];  trace = post1[j] · decayAfter[gap]   (0 past the table's end)
  ;;   trace ≠ 0: depressionNow[j] = nuPre · trace, j stays listed, weightsChanged[j] = 1 (u8)
  ;;   else:      depressionNow[j] = 0, isDepressing[j] = 0 (u8)
  ;; Returns how many stay listed (kept in order at the front of depressing). Only for tables
  ;; that end where the decay reads 0 (TraceStdp checks): no Math.exp here.
  (func (export "updateDepression")
    (param $now f64) (param $depressing i32) (param $depressingCount i32) (param $post1 i32)
    (param $post1UpdatedAt i32) (param $decayAfter i32) (param $tableSteps i32) (param $nuPre f64)
    (param $depressionNow i32) (param $isDepressing i32) (param $weightsChanged i32)
    (result i32)
    (local $listed i32) (local $listEnd i32) (local $kept i32) (local $j i32) (local $at i32)
    (local $gap f64) (local $trace f64) (local $tableEnd f64)
    (local.set $tableEnd (f64.convert_i32_s (local.get $tableSteps)))
    (local.set $listed (local.get $depressing))
    (local.set $listEnd (i32.add (local.get $depressing) (i32.shl (local.get $depressingCount) (i32.const 2))))
    (block $allDone
      (loop $eachNeuron
        (br_if $allDone (i32.ge_u (local.get $listed) (local.get $listEnd)))
        (local.set $j (i32.load (local.get $listed)))
        (local.set $at (i32.shl (local.get $j) (i32.const 3)))
        (local.set $gap (f64.sub (local.get $now) (f64.load (i32.add (local.get $post1UpdatedAt) (local.get $at)))))
        (local.set $trace
          (f64.mul
            (f64.load (i32.add (local.get $post1) (local.get $at)))
            (if (result f64) (f64.lt (local.get $gap) (local.get $tableEnd))
              (then (f64.load (i32.add (local.get $decayAfter) (i32.shl (i32.trunc_f64_s (local.get $gap)) (i32.const 3)))))
              (else (f64.const 0)))))
        (if (f64.ne (local.get $trace) (f64.const 0))
          (then
            (f64.store (i32.add (local.get $depressionNow) (local.get $at)) (f64.mul (local.get $nuPre) (local.get $trace)))
            (i32.store (i32.add (local.get $depressing) (i32.shl (local.get $kept) (i32.const 2))) (local.get $j))
            (local.set $kept (i32.add (local.get $kept) (i32.const 1)))
            (i32.store8 (i32.add (local.get $weightsChanged) (local.get $j)) (i32.const 1)))
          (else
            (f64.store (i32.add (local.get $depressionNow) (local.get $at)) (f64.const 0))
            (i32.store8 (i32.add (local.get $isDepressing) (local.get $j)) (i32.const 0))))
        (local.set $listed (i32.add (local.get $listed) (i32.const 4)))
        (br $eachNeuron)))
    (local.get $kept))

  ;; TraceStdp.onPostSpike's loop: neuron j spikes at step `now`; for each input i (in order),
  ;; with k = j·inputs + i, s = synapseOf[k] and its delay delayOf[k] (i32 arrays):
  ;;   pre = decayAfter[arrivedBy − emitted] for the latest of input i's spikes (history: f64,
  ;;         `depth` a ring per input, newest at historyHead[i]) emitted at or before
  ;;         arrivedBy = now − delay; 0 if none, or past the table's end
  ;;   w = weights[s] + gain·pre;  weights[s] = w < 0 ? 0 : (w > wMax ? wMax : w)
  ;; Only for tables that end where the decay reads 0 (TraceStdp checks): no Math.exp here.
  (func (export "potentiate")
    (param $j i32) (param $inputs i32) (param $synapseOf i32) (param $delayOf i32) (param $weights i32)
    (param $history i32) (param $historyHead i32) (param $depth i32) (param $decayAfter i32)
    (param $tableSteps i32) (param $now f64) (param $gain f64) (param $wMax f64)
    (local $i i32) (local $k i32) (local $weightAt i32) (local $ring i32) (local $slot i32) (local $tries i32)
    (local $arrivedBy f64) (local $emitted f64) (local $gap f64) (local $pre f64) (local $w f64) (local $tableEnd f64)
    (local.set $tableEnd (f64.convert_i32_s (local.get $tableSteps)))
    (local.set $k (i32.mul (local.get $j) (local.get $inputs)))
    (block $allDone
      (loop $eachInput
        (br_if $allDone (i32.ge_u (local.get $i) (local.get $inputs)))
        (local.set $arrivedBy (f64.sub (local.get $now)
          (f64.convert_i32_s (i32.load (i32.add (local.get $delayOf) (i32.shl (local.get $k) (i32.const 2)))))))
        ;; preTrace: walk input i's ring from its newest spike back.
        (local.set $ring (i32.add (local.get $history) (i32.shl (i32.mul (local.get $i) (local.get $depth)) (i32.const 3))))
        (local.set $slot (i32.load (i32.add (local.get $historyHead) (i32.shl (local.get $i) (i32.const 2)))))
        (local.set $pre (f64.const 0))
        (local.set $tries (i32.const 0))
        (block $found
          (loop $eachSpike
            (br_if $found (i32.ge_u (local.get $tries) (local.get $depth)))
            (local.set $emitted (f64.load (i32.add (local.get $ring) (i32.shl (local.get $slot) (i32.const 3)))))
            (if (f64.le (local.get $emitted) (local.get $arrivedBy))
              (then
                (local.set $gap (f64.sub (local.get $arrivedBy) (local.get $emitted)))
                (if (f64.lt (local.get $gap) (local.get $tableEnd))
                  (then (local.set $pre (f64.load (i32.add (local.get $decayAfter) (i32.shl (i32.trunc_f64_s (local.get $gap)) (i32.const 3)))))))
                (br $found)))
            (local.set $slot
              (if (result i32) (i32.eqz (local.get $slot))
                (then (i32.sub (local.get $depth) (i32.const 1)))
                (else (i32.sub (local.get $slot) (i32.const 1)))))
            (local.set $tries (i32.add (local.get $tries) (i32.const 1)))
            (br $eachSpike)))
        (local.set $weightAt (i32.add (local.get $weights)
          (i32.shl (i32.load (i32.add (local.get $synapseOf) (i32.shl (local.get $k) (i32.const 2)))) (i32.const 3))))
        (local.set $w (f64.add (f64.load (local.get $weightAt)) (f64.mul (local.get $gain) (local.get $pre))))
        (f64.store (local.get $weightAt)
          (select (f64.const 0)
            (select (local.get $wMax) (local.get $w) (f64.gt (local.get $w) (local.get $wMax)))
            (f64.lt (local.get $w) (f64.const 0))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (local.set $k (i32.add (local.get $k) (i32.const 1)))
        (br $eachInput))))

  ;; transmit (learning off): ge[post[s]] += weights[s] for the synapses in `ranges`.
  (func (export "transmit")
    (param $ranges i32) (param $rangeCount i32) (param $post i32) (param $weights i32) (param $ge i32)
    (local $range i32) (local $rangesEnd i32) (local $postAt i32) (local $postEnd i32)
    (local $weightAt i32) (local $geAt i32)
    (local.set $range (local.get $ranges))
    (local.set $rangesEnd (i32.add (local.get $ranges) (i32.shl (local.get $rangeCount) (i32.const 3))))
    (block $allDone
      (loop $eachRange
        (br_if $allDone (i32.ge_u (local.get $range) (local.get $rangesEnd)))
        (local.set $postAt (i32.add (local.get $post) (i32.shl (i32.load (local.get $range)) (i32.const 1))))
        (local.set $postEnd (i32.add (local.get $post) (i32.shl (i32.load offset=4 (local.get $range)) (i32.const 1))))
        (local.set $weightAt (i32.add (local.get $weights) (i32.shl (i32.load (local.get $range)) (i32.const 3))))
        (local.set $range (i32.add (local.get $range) (i32.const 8)))
        (block $rangeDone
          (loop $eachSynapse
            (br_if $rangeDone (i32.ge_u (local.get $postAt) (local.get $postEnd)))
            (local.set $geAt (i32.add (local.get $ge) (i32.shl (i32.load16_u (local.get $postAt)) (i32.const 3))))
            (f64.store (local.get $geAt) (f64.add (f64.load (local.get $geAt)) (f64.load (local.get $weightAt))))
            (local.set $postAt (i32.add (local.get $postAt) (i32.const 2)))
            (local.set $weightAt (i32.add (local.get $weightAt) (i32.const 8)))
            (br $eachSynapse)))
        (br $eachRange))))

  ;; AdaptiveConductanceLifNeurons.step's loop over all `size` neurons (f64 arrays ge, gi,
  ;; potential, theta; i32 array crossing), two neurons per f64x2 operation:
  ;;   e = ge[j], i = gi[j], v = potential[j]
  ;;   ge[j] = e·geDecay;  gi[j] = i·giDecay;  θ = theta[j]·thetaDecay;  theta[j] = θ
  ;;   next = v + leak·(rest − v) + (exDrive·e)·(exRev − v) + (inDrive·i)·(inRev − v)   (left to right)
  ;;   potential[j] = next;  if next > θ + thresholdBase: crossing[crossed++] = j
  ;; Returns `crossed`; crossing lists the neurons in ascending order.
  (func (export "stepExcitatory")
    (param $size i32) (param $ge i32) (param $gi i32) (param $potential i32) (param $theta i32) (param $crossing i32)
    (param $leak f64) (param $excitatoryDrive f64) (param $inhibitoryDrive f64) (param $geDecay f64) (param $giDecay f64)
    (param $restPotential f64) (param $excitatoryReversal f64) (param $inhibitoryReversal f64)
    (param $thresholdBase f64) (param $thetaDecay f64)
    (result i32)
    (local $j i32) (local $at i32) (local $crossed i32)
    (local $leak2 v128) (local $excitatoryDrive2 v128) (local $inhibitoryDrive2 v128) (local $geDecay2 v128)
    (local $giDecay2 v128) (local $rest2 v128) (local $excitatoryReversal2 v128) (local $inhibitoryReversal2 v128)
    (local $thresholdBase2 v128) (local $thetaDecay2 v128)
    (local $e2 v128) (local $i2 v128) (local $v2 v128) (local $theta2 v128) (local $next2 v128) (local $above i32)
    (local $e f64) (local $i f64) (local $v f64) (local $th f64) (local $next f64)
    (local.set $leak2 (f64x2.splat (local.get $leak)))
    (local.set $excitatoryDrive2 (f64x2.splat (local.get $excitatoryDrive)))
    (local.set $inhibitoryDrive2 (f64x2.splat (local.get $inhibitoryDrive)))
    (local.set $geDecay2 (f64x2.splat (local.get $geDecay)))
    (local.set $giDecay2 (f64x2.splat (local.get $giDecay)))
    (local.set $rest2 (f64x2.splat (local.get $restPotential)))
    (local.set $excitatoryReversal2 (f64x2.splat (local.get $excitatoryReversal)))
    (local.set $inhibitoryReversal2 (f64x2.splat (local.get $inhibitoryReversal)))
    (local.set $thresholdBase2 (f64x2.splat (local.get $thresholdBase)))
    (local.set $thetaDecay2 (f64x2.splat (local.get $thetaDecay)))
    (block $pairsDone
      (loop $eachPair
        (br_if $pairsDone (i32.gt_u (i32.add (local.get $j) (i32.const 2)) (local.get $size)))
        (local.set $at (i32.shl (local.get $j) (i32.const 3)))
        (local.set $e2 (v128.load (i32.add (local.get $ge) (local.get $at))))
        (local.set $i2 (v128.load (i32.add (local.get $gi) (local.get $at))))
        (local.set $v2 (v128.load (i32.add (local.get $potential) (local.get $at))))
        (v128.store (i32.add (local.get $ge) (local.get $at)) (f64x2.mul (local.get $e2) (local.get $geDecay2)))
        (v128.store (i32.add (local.get $gi) (local.get $at)) (f64x2.mul (local.get $i2) (local.get $giDecay2)))
        (local.set $theta2 (f64x2.mul (v128.load (i32.add (local.get $theta) (local.get $at))) (local.get $thetaDecay2)))
        (v128.store (i32.add (local.get $theta) (local.get $at)) (local.get $theta2))
        (local.set $next2
          (f64x2.add
            (f64x2.add
              (f64x2.add
                (local.get $v2)
                (f64x2.mul (local.get $leak2) (f64x2.sub (local.get $rest2) (local.get $v2))))
              (f64x2.mul (f64x2.mul (local.get $excitatoryDrive2) (local.get $e2)) (f64x2.sub (local.get $excitatoryReversal2) (local.get $v2))))
            (f64x2.mul (f64x2.mul (local.get $inhibitoryDrive2) (local.get $i2)) (f64x2.sub (local.get $inhibitoryReversal2) (local.get $v2)))))
        (v128.store (i32.add (local.get $potential) (local.get $at)) (local.get $next2))
        ;; Rarely any: both lanes' signs at once (bit 0: neuron j, bit 1: j + 1), then each in order.
        (local.set $above (i64x2.bitmask
          (f64x2.gt (local.get $next2) (f64x2.add (local.get $theta2) (local.get $thresholdBase2)))))
        (if (local.get $above)
          (then
            (if (i32.and (local.get $above) (i32.const 1))
              (then
                (i32.store (i32.add (local.get $crossing) (i32.shl (local.get $crossed) (i32.const 2))) (local.get $j))
                (local.set $crossed (i32.add (local.get $crossed) (i32.const 1)))))
            (if (i32.and (local.get $above) (i32.const 2))
              (then
                (i32.store (i32.add (local.get $crossing) (i32.shl (local.get $crossed) (i32.const 2))) (i32.add (local.get $j) (i32.const 1)))
                (local.set $crossed (i32.add (local.get $crossed) (i32.const 1)))))))
        (local.set $j (i32.add (local.get $j) (i32.const 2)))
        (br $eachPair)))
    ;; An odd size: the last neuron alone, the same operations on scalars.
    (if (i32.lt_u (local.get $j) (local.get $size))
      (then
        (local.set $at (i32.shl (local.get $j) (i32.const 3)))
        (local.set $e (f64.load (i32.add (local.get $ge) (local.get $at))))
        (local.set $i (f64.load (i32.add (local.get $gi) (local.get $at))))
        (local.set $v (f64.load (i32.add (local.get $potential) (local.get $at))))
        (f64.store (i32.add (local.get $ge) (local.get $at)) (f64.mul (local.get $e) (local.get $geDecay)))
        (f64.store (i32.add (local.get $gi) (local.get $at)) (f64.mul (local.get $i) (local.get $giDecay)))
        (local.set $th (f64.mul (f64.load (i32.add (local.get $theta) (local.get $at))) (local.get $thetaDecay)))
        (f64.store (i32.add (local.get $theta) (local.get $at)) (local.get $th))
        (local.set $next
          (f64.add
            (f64.add
              (f64.add
                (local.get $v)
                (f64.mul (local.get $leak) (f64.sub (local.get $restPotential) (local.get $v))))
              (f64.mul (f64.mul (local.get $excitatoryDrive) (local.get $e)) (f64.sub (local.get $excitatoryReversal) (local.get $v))))
            (f64.mul (f64.mul (local.get $inhibitoryDrive) (local.get $i)) (f64.sub (local.get $inhibitoryReversal) (local.get $v)))))
        (f64.store (i32.add (local.get $potential) (local.get $at)) (local.get $next))
        (if (f64.gt (local.get $next) (f64.add (local.get $th) (local.get $thresholdBase)))
          (then
            (i32.store (i32.add (local.get $crossing) (i32.shl (local.get $crossed) (i32.const 2))) (local.get $j))
            (local.set $crossed (i32.add (local.get $crossed) (i32.const 1)))))))
    (local.get $crossed))
)
