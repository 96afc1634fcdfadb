;; ggml's make_qkx2_quants and make_qx_quants (ggml-quants.c), the scale searches of the Q4_K/Q5_K and Q6_K
;; reference encoders, then the re-quantization against the stored scales and the packing of the quants, for one
;; 256-value super-block per call. WebAssembly's f32 arithmetic is IEEE single precision with one rounding per
;; operation and nothing fused: exactly the C code's arithmetic.
;;
;; SIMD runs four groups side by side, one per f32x4 lane, never the values of one group across lanes: each lane
;; then performs the C code's operations on its own group in the C code's order, so its sums round exactly as
;; ggml's do and the same scale wins. The C code's per-group branches (a new best error, an all-equal or all-zero
;; group) become per-lane masks: every lane computes every step, and a lane keeps a result only where its own
;; condition holds (v128.bitselect). The winning candidate's quants are recomputed at the end from that lane's
;; winning inverse scale (and min), the same operations giving the same quants, instead of being copied each time.
;;
;; Memory (bytes): the super-block's x[256] f32 at 0 (in); four groups transposed, element i of each in one v128,
;; at 1024 (XT); their weights at 1536 (WT); scratch v128s at 2048 (LF: the candidate's quants, or Q6_K's w·x);
;; scales[16] f32 at 2560, mins[8] f32 at 2624, L[256] u8 at 2656 (out). The packing step reads each group's
;; re-quantization scale d[16] f32 at 2912 and min dm[8] f32 at 2976, and writes the block at 3008 laid out as in
;; ggml-common.h (the quant bytes only: the caller writes the block's scales).
(module
  (memory (export "memory") 1)

  ;; In the hot loops the quant is wanted as a float: there `f32x4.nearest(pmin(pmax(v, lo), hi))` stands for
  ;; `(float) clamp(nearest_int(v), lo, hi)` in three instructions instead of six (pmin/pmax are one machine
  ;; instruction each; min/max need NaN and signed-zero fix-ups). Where |v| < 2²² it is the same number: adding
  ;; 1.5·2²³ rounds to the nearest integer, ties to even, as f32x4.nearest does, and clamping to integer bounds
  ;; before or after rounding gives the same integer. make_qx_quants' |v| is at most about 33 (max is the value of
  ;; largest magnitude; its all-zero lanes are discarded); make_qkx2_quants checks a bound for each candidate and
  ;; falls back to this function where it fails. Only a zero may differ in sign (nearest(-0.3) is -0): that -0
  ;; only meets sums that start at +0 (so never turn -0) and, in make_qkx2_quants, `ts·l + tm − x`, which is then
  ;; squared: it changes no result.

  ;; ggml's nearest_int per lane (1.5·2²³ added in f32, the integer read from the low mantissa bits), clamped to
  ;; [lo, hi]: exactly the C code, infinities and NaN included.
  (func $quant4 (param $v v128) (param $lo v128) (param $hi v128) (result v128)
    (i32x4.min_s
      (i32x4.max_s
        (i32x4.sub
          (v128.and
            (f32x4.add (local.get $v) (v128.const f32x4 12582912 12582912 12582912 12582912))
            (v128.const i32x4 0x7fffff 0x7fffff 0x7fffff 0x7fffff))
          (v128.const i32x4 0x400000 0x400000 0x400000 0x400000))
        (local.get $lo))
      (local.get $hi)))

  ;; XT[i] = element i of groups first..first+3 (n values each), one group per lane.
  (func $gather (param $first i32) (param $n i32)
    (local $i i32) (local $p i32) (local $stride i32)
    (local.set $stride (i32.shl (local.get $n) (i32.const 2)))
    (local.set $p (i32.mul (local.get $first) (local.get $stride)))
    (loop $next
      (v128.store offset=1024 (i32.shl (local.get $i) (i32.const 4))
        (f32x4.replace_lane 3
          (f32x4.replace_lane 2
            (f32x4.replace_lane 1
              (f32x4.splat (f32.load (local.get $p)))
              (f32.load (i32.add (local.get $p) (local.get $stride))))
            (f32.load (i32.add (local.get $p) (i32.shl (local.get $stride) (i32.const 1)))))
          (f32.load (i32.add (local.get $p) (i32.mul (local.get $stride) (i32.const 3))))))
      (local.set $p (i32.add (local.get $p) (i32.const 4)))
      (br_if $next (i32.lt_s (local.tee $i (i32.add (local.get $i) (i32.const 1))) (local.get $n)))))

  ;; L[(first+lane)·n + i] = lane of l, for each lane.
  (func $scatterL (param $first i32) (param $n i32) (param $i i32) (param $l v128)
    (local $q i32)
    (local.set $q (i32.add (i32.mul (local.get $first) (local.get $n)) (local.get $i)))
    (i32.store8 offset=2656 (local.get $q) (i32x4.extract_lane 0 (local.get $l)))
    (i32.store8 offset=2656 (i32.add (local.get $q) (local.get $n)) (i32x4.extract_lane 1 (local.get $l)))
    (i32.store8 offset=2656 (i32.add (local.get $q) (i32.shl (local.get $n) (i32.const 1))) (i32x4.extract_lane 2 (local.get $l)))
    (i32.store8 offset=2656 (i32.add (local.get $q) (i32.mul (local.get $n) (i32.const 3))) (i32x4.extract_lane 3 (local.get $l))))

  ;; Q4_K/Q5_K's weights of XT's four 32-value groups: √(Σx²/32) + |x|, the sum in source order per lane.
  (func $weights32
    (local $p i32) (local $xi v128) (local $sum v128) (local $av v128)
    (loop $square
      (local.set $xi (v128.load offset=1024 (local.get $p)))
      (local.set $sum (f32x4.add (local.get $sum) (f32x4.mul (local.get $xi) (local.get $xi))))
      (br_if $square (i32.lt_u (local.tee $p (i32.add (local.get $p) (i32.const 16))) (i32.const 512))))
    (local.set $av (f32x4.sqrt (f32x4.div (local.get $sum) (v128.const f32x4 32 32 32 32))))
    (local.set $p (i32.const 0))
    (loop $weigh
      (v128.store offset=1536 (local.get $p) (f32x4.add (local.get $av) (f32x4.abs (v128.load offset=1024 (local.get $p)))))
      (br_if $weigh (i32.lt_u (local.tee $p (i32.add (local.get $p) (i32.const 16))) (i32.const 512)))))

  ;; make_qkx2_quants(32, nmax, …, rmin, rdelta, nstep, use_mad=false) on groups first..first+3 (in XT, WT):
  ;; writes their scales, mins (negated, ggml's the_min) and quants.
  (func $qkx2x4 (param $first i32) (param $nmax i32) (param $rmin f32) (param $rdelta f32) (param $nstep i32)
    (local $p i32) (local $i i32) (local $is i32)
    (local $xi v128) (local $w v128) (local $lf v128) (local $wl v128) (local $diff v128)
    (local $min v128) (local $max v128) (local $min0 v128) (local $flat v128) (local $sumW v128) (local $sumX v128)
    (local $iscale v128) (local $scale v128) (local $best v128) (local $bestIscale v128) (local $bestMin v128)
    (local $sumL v128) (local $sumL2 v128) (local $sumXL v128) (local $D v128) (local $ts v128) (local $tm v128)
    (local $err v128) (local $win v128) (local $pos v128) (local $hi v128) (local $hiF v128)
    (local.set $hi (i32x4.splat (local.get $nmax)))
    (local.set $hiF (f32x4.splat (f32.convert_i32_s (local.get $nmax))))
    ;; min, max, Σw and Σw·x, from element 0 on (ggml starts from x[0], w[0]·x[0]).
    (local.set $min (v128.load offset=1024 (i32.const 0)))
    (local.set $max (local.get $min))
    (local.set $sumW (v128.load offset=1536 (i32.const 0)))
    (local.set $sumX (f32x4.mul (local.get $sumW) (local.get $min)))
    (local.set $p (i32.const 16))
    (loop $scan
      (local.set $xi (v128.load offset=1024 (local.get $p)))
      (local.set $w (v128.load offset=1536 (local.get $p)))
      ;; pmin(a, b) is `b < a ? b : a`: ggml's `if (x < min) min = x`, signed zeros included.
      (local.set $min (f32x4.pmin (local.get $min) (local.get $xi)))
      (local.set $max (f32x4.pmax (local.get $max) (local.get $xi)))
      (local.set $sumW (f32x4.add (local.get $sumW) (local.get $w)))
      (local.set $sumX (f32x4.add (local.get $sumX) (f32x4.mul (local.get $w) (local.get $xi))))
      (br_if $scan (i32.lt_u (local.tee $p (i32.add (local.get $p) (i32.const 16))) (i32.const 512))))
    (local.set $min (f32x4.pmin (local.get $min) (v128.const f32x4 0 0 0 0)))
    (local.set $min0 (local.get $min))
    ;; A group with max == min gets scale 0, quants 0 and the_min −min: its lane's results are replaced at the end.
    (local.set $flat (f32x4.eq (local.get $max) (local.get $min)))
    ;; The first guess: nmax levels over [min, max], and its weighted squared error.
    (local.set $iscale (f32x4.div (local.get $hiF) (f32x4.sub (local.get $max) (local.get $min))))
    (local.set $scale (f32x4.div (v128.const f32x4 1 1 1 1) (local.get $iscale)))
    (local.set $p (i32.const 0))
    (loop $first
      (local.set $xi (v128.load offset=1024 (local.get $p)))
      (local.set $lf (f32x4.convert_i32x4_s (call $quant4
        (f32x4.mul (local.get $iscale) (f32x4.sub (local.get $xi) (local.get $min)))
        (v128.const i32x4 0 0 0 0) (local.get $hi))))
      (local.set $diff (f32x4.sub (f32x4.add (f32x4.mul (local.get $scale) (local.get $lf)) (local.get $min)) (local.get $xi)))
      (local.set $best (f32x4.add (local.get $best)
        (f32x4.mul (v128.load offset=1536 (local.get $p)) (f32x4.mul (local.get $diff) (local.get $diff)))))
      (br_if $first (i32.lt_u (local.tee $p (i32.add (local.get $p) (i32.const 16))) (i32.const 512))))
    (local.set $bestIscale (local.get $iscale))
    (local.set $bestMin (local.get $min))
    ;; nstep+1 candidate scales, the range measured from each lane's best min so far (as in ggml); each candidate's
    ;; quants get the least-squares scale and min.
    (block $searched (loop $candidate
      (br_if $searched (i32.gt_s (local.get $is) (local.get $nstep)))
      (local.set $iscale (f32x4.div
        (f32x4.splat (f32.add
          (f32.add (local.get $rmin) (f32.mul (local.get $rdelta) (f32.convert_i32_s (local.get $is))))
          (f32.convert_i32_s (local.get $nmax))))
        (f32x4.sub (local.get $max) (local.get $min))))
      (local.set $sumL (v128.const i32x4 0 0 0 0))
      (local.set $sumL2 (v128.const i32x4 0 0 0 0))
      (local.set $sumXL (v128.const i32x4 0 0 0 0))
      (local.set $p (i32.const 0))
      ;; x lies in [min0, max], so |iscale·(x − min)| ≤ |iscale|·max(max − min, min − min0): below 4e6 (< 2²²,
      ;; with room for the roundings) in every lane that counts, the float-rounded quants are exact (see above
      ;; $quant4); otherwise (a range so small that iscale overflows, say) this candidate takes nearest_int itself.
      (if (i32x4.all_true (v128.or (local.get $flat) (f32x4.lt
            (f32x4.mul (f32x4.abs (local.get $iscale))
              (f32x4.pmax (f32x4.sub (local.get $max) (local.get $min)) (f32x4.sub (local.get $min) (local.get $min0))))
            (v128.const f32x4 4e6 4e6 4e6 4e6))))
        (then
          (loop $sum
            (local.set $xi (v128.load offset=1024 (local.get $p)))
            (local.set $lf (f32x4.nearest (f32x4.pmin
              (f32x4.pmax (f32x4.mul (local.get $iscale) (f32x4.sub (local.get $xi) (local.get $min))) (v128.const f32x4 0 0 0 0))
              (local.get $hiF))))
            (v128.store offset=2048 (local.get $p) (local.get $lf))
            (local.set $wl (f32x4.mul (v128.load offset=1536 (local.get $p)) (local.get $lf)))
            (local.set $sumL (f32x4.add (local.get $sumL) (local.get $wl)))
            (local.set $sumL2 (f32x4.add (local.get $sumL2) (f32x4.mul (local.get $wl) (local.get $lf))))
            (local.set $sumXL (f32x4.add (local.get $sumXL) (f32x4.mul (local.get $wl) (local.get $xi))))
            (br_if $sum (i32.lt_u (local.tee $p (i32.add (local.get $p) (i32.const 16))) (i32.const 512)))))
        (else
          (loop $sumExact
            (local.set $xi (v128.load offset=1024 (local.get $p)))
            (local.set $lf (f32x4.convert_i32x4_s (call $quant4
              (f32x4.mul (local.get $iscale) (f32x4.sub (local.get $xi) (local.get $min)))
              (v128.const i32x4 0 0 0 0) (local.get $hi))))
            (v128.store offset=2048 (local.get $p) (local.get $lf))
            (local.set $wl (f32x4.mul (v128.load offset=1536 (local.get $p)) (local.get $lf)))
            (local.set $sumL (f32x4.add (local.get $sumL) (local.get $wl)))
            (local.set $sumL2 (f32x4.add (local.get $sumL2) (f32x4.mul (local.get $wl) (local.get $lf))))
            (local.set $sumXL (f32x4.add (local.get $sumXL) (f32x4.mul (local.get $wl) (local.get $xi))))
            (br_if $sumExact (i32.lt_u (local.tee $p (i32.add (local.get $p) (i32.const 16))) (i32.const 512))))))
      (local.set $D (f32x4.sub (f32x4.mul (local.get $sumW) (local.get $sumL2)) (f32x4.mul (local.get $sumL) (local.get $sumL))))
      (local.set $ts (f32x4.div
        (f32x4.sub (f32x4.mul (local.get $sumW) (local.get $sumXL)) (f32x4.mul (local.get $sumX) (local.get $sumL)))
        (local.get $D)))
      (local.set $tm (f32x4.div
        (f32x4.sub (f32x4.mul (local.get $sumL2) (local.get $sumX)) (f32x4.mul (local.get $sumL) (local.get $sumXL)))
        (local.get $D)))
      ;; A positive min is not allowed: min 0 and the scale refitted alone.
      (local.set $pos (f32x4.gt (local.get $tm) (v128.const f32x4 0 0 0 0)))
      (local.set $tm (v128.andnot (local.get $tm) (local.get $pos)))
      (local.set $ts (v128.bitselect (f32x4.div (local.get $sumXL) (local.get $sumL2)) (local.get $ts) (local.get $pos)))
      (local.set $err (v128.const i32x4 0 0 0 0))
      (local.set $p (i32.const 0))
      (loop $error
        (local.set $diff (f32x4.sub
          (f32x4.add (f32x4.mul (local.get $ts) (v128.load offset=2048 (local.get $p))) (local.get $tm))
          (v128.load offset=1024 (local.get $p))))
        (local.set $err (f32x4.add (local.get $err)
          (f32x4.mul (v128.load offset=1536 (local.get $p)) (f32x4.mul (local.get $diff) (local.get $diff)))))
        (br_if $error (i32.lt_u (local.tee $p (i32.add (local.get $p) (i32.const 16))) (i32.const 512))))
      ;; ggml keeps a candidate where D > 0 and its error beats the best: per lane.
      (local.set $win (v128.and
        (f32x4.gt (local.get $D) (v128.const f32x4 0 0 0 0))
        (f32x4.lt (local.get $err) (local.get $best))))
      (local.set $best (v128.bitselect (local.get $err) (local.get $best) (local.get $win)))
      (local.set $scale (v128.bitselect (local.get $ts) (local.get $scale) (local.get $win)))
      (local.set $bestIscale (v128.bitselect (local.get $iscale) (local.get $bestIscale) (local.get $win)))
      (local.set $bestMin (v128.bitselect (local.get $min) (local.get $bestMin) (local.get $win)))
      (local.set $min (v128.bitselect (local.get $tm) (local.get $min) (local.get $win)))
      (local.set $is (i32.add (local.get $is) (i32.const 1)))
      (br $candidate)))
    ;; The winning quants, recomputed as they were computed (zero for a flat group).
    (local.set $p (i32.const 0))
    (loop $keep
      (call $scatterL (local.get $first) (i32.const 32) (local.get $i)
        (v128.andnot
          (call $quant4
            (f32x4.mul (local.get $bestIscale) (f32x4.sub (v128.load offset=1024 (local.get $p)) (local.get $bestMin)))
            (v128.const i32x4 0 0 0 0) (local.get $hi))
          (local.get $flat)))
      (local.set $p (i32.add (local.get $p) (i32.const 16)))
      (br_if $keep (i32.lt_u (local.tee $i (i32.add (local.get $i) (i32.const 1))) (i32.const 32))))
    (v128.store offset=2560 (i32.shl (local.get $first) (i32.const 2)) (v128.andnot (local.get $scale) (local.get $flat)))
    (v128.store offset=2624 (i32.shl (local.get $first) (i32.const 2))
      (f32x4.neg (v128.bitselect (local.get $min0) (local.get $min) (local.get $flat)))))

  ;; Q4_K/Q5_K's fit of the super-block at 0: eight 32-value groups, four at a time.
  (func (export "fitAsymmetric") (param $nmax i32) (param $rmin f32) (param $rdelta f32) (param $nstep i32)
    (local $first i32)
    (loop $batch
      (call $gather (local.get $first) (i32.const 32))
      (call $weights32)
      (call $qkx2x4 (local.get $first) (local.get $nmax) (local.get $rmin) (local.get $rdelta) (local.get $nstep))
      (br_if $batch (i32.lt_u (local.tee $first (i32.add (local.get $first) (i32.const 4))) (i32.const 8)))))

  ;; make_qx_quants(16, 32, …, rmse_type=1, qw=NULL) on groups first..first+3 (in XT): symmetric quants in
  ;; [-32, 31] weighted by x², 19 scales tried around -32/max (max: the value of largest magnitude). Writes the
  ;; scales and the quants offset by 32.
  (func $qx4 (param $first i32)
    (local $p i32) (local $i i32) (local $is i32)
    (local $xi v128) (local $ax v128) (local $m v128) (local $lf v128) (local $amax v128) (local $max v128)
    (local $zero v128) (local $iscale v128) (local $sumlx v128) (local $suml2 v128) (local $scale v128)
    (local $best v128) (local $bestIscale v128) (local $win v128) (local $next v128)
    ;; The value of largest magnitude (the first of equal ones), and w = x², w·x (the same products each time).
    (loop $scan
      (local.set $xi (v128.load offset=1024 (local.get $p)))
      (local.set $ax (f32x4.abs (local.get $xi)))
      (local.set $m (f32x4.gt (local.get $ax) (local.get $amax)))
      (local.set $amax (v128.bitselect (local.get $ax) (local.get $amax) (local.get $m)))
      (local.set $max (v128.bitselect (local.get $xi) (local.get $max) (local.get $m)))
      (v128.store offset=1536 (local.get $p) (f32x4.mul (local.get $xi) (local.get $xi)))
      (v128.store offset=2048 (local.get $p) (f32x4.mul (v128.load offset=1536 (local.get $p)) (local.get $xi)))
      (br_if $scan (i32.lt_u (local.tee $p (i32.add (local.get $p) (i32.const 16))) (i32.const 256))))
    ;; A group whose largest magnitude is below GROUP_MAX_EPS is all zero: scale 0, quants 0 (replaced at the end).
    (local.set $zero (f32x4.lt (local.get $amax) (v128.const f32x4 1e-15 1e-15 1e-15 1e-15)))
    (local.set $iscale (f32x4.div (v128.const f32x4 -32 -32 -32 -32) (local.get $max)))
    (local.set $is (i32.const -10))
    (loop $candidate
      (local.set $sumlx (v128.const i32x4 0 0 0 0))
      (local.set $suml2 (v128.const i32x4 0 0 0 0))
      (local.set $p (i32.const 0))
      (loop $sum
        ;; The quant as a float, rounded by f32x4.nearest after clamping (see above $quant4).
        (local.set $lf (f32x4.nearest (f32x4.pmin
          (f32x4.pmax
            (f32x4.mul (local.get $iscale) (v128.load offset=1024 (local.get $p)))
            (v128.const f32x4 -32 -32 -32 -32))
          (v128.const f32x4 31 31 31 31))))
        (local.set $sumlx (f32x4.add (local.get $sumlx) (f32x4.mul (v128.load offset=2048 (local.get $p)) (local.get $lf))))
        (local.set $suml2 (f32x4.add (local.get $suml2)
          (f32x4.mul (f32x4.mul (v128.load offset=1536 (local.get $p)) (local.get $lf)) (local.get $lf))))
        (br_if $sum (i32.lt_u (local.tee $p (i32.add (local.get $p) (i32.const 16))) (i32.const 256))))
      (if (i32.eq (local.get $is) (i32.const -10))
        (then
          ;; The first guess, -32/max: scale = Σw·x·l / Σw·l² (0 where that is 0), best = scale·Σw·x·l.
          (local.set $scale (v128.and
            (f32x4.div (local.get $sumlx) (local.get $suml2))
            (f32x4.ne (local.get $suml2) (v128.const f32x4 0 0 0 0))))
          (local.set $best (f32x4.mul (local.get $scale) (local.get $sumlx)))
          (local.set $bestIscale (local.get $iscale)))
        (else
          (local.set $win (v128.and
            (f32x4.gt (local.get $suml2) (v128.const f32x4 0 0 0 0))
            (f32x4.gt (f32x4.mul (local.get $sumlx) (local.get $sumlx)) (f32x4.mul (local.get $best) (local.get $suml2)))))
          (local.set $next (f32x4.div (local.get $sumlx) (local.get $suml2)))
          (local.set $scale (v128.bitselect (local.get $next) (local.get $scale) (local.get $win)))
          (local.set $best (v128.bitselect (f32x4.mul (local.get $next) (local.get $sumlx)) (local.get $best) (local.get $win)))
          (local.set $bestIscale (v128.bitselect (local.get $iscale) (local.get $bestIscale) (local.get $win)))))
      ;; The next candidate: is = -9..9 without 0, iscale = -(32 + 0.1·is)/max.
      (local.set $is (i32.add (local.get $is) (select (i32.const 2) (i32.const 1) (i32.eqz (i32.add (local.get $is) (i32.const 1))))))
      (local.set $iscale (f32x4.div
        (f32x4.splat (f32.neg (f32.add (f32.const 32) (f32.mul (f32.const 0.1) (f32.convert_i32_s (local.get $is))))))
        (local.get $max)))
      (br_if $candidate (i32.le_s (local.get $is) (i32.const 9))))
    (local.set $p (i32.const 0))
    (loop $keep
      (call $scatterL (local.get $first) (i32.const 16) (local.get $i)
        (v128.andnot
          (i32x4.add
            (call $quant4 (f32x4.mul (local.get $bestIscale) (v128.load offset=1024 (local.get $p)))
              (v128.const i32x4 -32 -32 -32 -32) (v128.const i32x4 31 31 31 31))
            (v128.const i32x4 32 32 32 32))
          (local.get $zero)))
      (local.set $p (i32.add (local.get $p) (i32.const 16)))
      (br_if $keep (i32.lt_u (local.tee $i (i32.add (local.get $i) (i32.const 1))) (i32.const 16))))
    (v128.store offset=2560 (i32.shl (local.get $first) (i32.const 2)) (v128.andnot (local.get $scale) (local.get $zero))))

  ;; Q6_K's fit of the super-block at 0: sixteen 16-value groups, four at a time.
  (func (export "fitSymmetric")
    (local $first i32)
    (loop $batch
      (call $gather (local.get $first) (i32.const 16))
      (call $qx4 (local.get $first))
      (br_if $batch (i32.lt_u (local.tee $first (i32.add (local.get $first) (i32.const 4))) (i32.const 16)))))

  ;; L[s..s+16) = clamp(nearest_int((x + dm)/d), lo, hi) + offset: quantize_row_q*_K_ref's re-quantization against
  ;; the stored scales. Element by element (no sums), so lanes may hold values of one group. (Q6_K passes dm = 0:
  ;; adding +0 can only turn -0 into +0, which rounds to the same integer.)
  (func $requant16 (param $s i32) (param $dm v128) (param $d v128) (param $lo v128) (param $hi v128) (param $offset v128)
    (local $p i32)
    (local.set $p (i32.shl (local.get $s) (i32.const 2)))
    (v128.store offset=2656 (local.get $s)
      (i8x16.narrow_i16x8_u
        (i16x8.narrow_i32x4_u
          (call $requant4 (v128.load (local.get $p)) (local.get $dm) (local.get $d) (local.get $lo) (local.get $hi) (local.get $offset))
          (call $requant4 (v128.load offset=16 (local.get $p)) (local.get $dm) (local.get $d) (local.get $lo) (local.get $hi) (local.get $offset)))
        (i16x8.narrow_i32x4_u
          (call $requant4 (v128.load offset=32 (local.get $p)) (local.get $dm) (local.get $d) (local.get $lo) (local.get $hi) (local.get $offset))
          (call $requant4 (v128.load offset=48 (local.get $p)) (local.get $dm) (local.get $d) (local.get $lo) (local.get $hi) (local.get $offset))))))

  (func $requant4 (param $x v128) (param $dm v128) (param $d v128) (param $lo v128) (param $hi v128) (param $offset v128) (result v128)
    (i32x4.add
      (call $quant4 (f32x4.div (f32x4.add (local.get $x) (local.get $dm)) (local.get $d)) (local.get $lo) (local.get $hi))
      (local.get $offset)))

  ;; Q4_K/Q5_K: re-quantizes each group whose d is not 0 (ggml keeps the fit's quants where it is), then packs.
  ;; Q4_K: qs[128] at 16, for each pair of groups 32 bytes, low nibble the first group's, high the second's.
  ;; Q5_K: qh[32] at 16 (bit 2k/2k+1 of qh[l]: the fifth bit of value l of groups 2k/2k+1), qs[128] at 48.
  (func (export "packAsymmetric") (param $nmax i32) (param $q5 i32)
    (local $j i32) (local $d f32) (local $k i32) (local $src i32) (local $dst i32) (local $l1 v128) (local $l2 v128)
    (local $bit v128) (local $qh i32)
    (loop $group
      (local.set $d (f32.load offset=2912 (i32.shl (local.get $j) (i32.const 2))))
      (if (f32.ne (local.get $d) (f32.const 0))
        (then
          (call $requant16 (i32.shl (local.get $j) (i32.const 5))
            (f32x4.splat (f32.load offset=2976 (i32.shl (local.get $j) (i32.const 2)))) (f32x4.splat (local.get $d))
            (v128.const i32x4 0 0 0 0) (i32x4.splat (local.get $nmax)) (v128.const i32x4 0 0 0 0))
          (call $requant16 (i32.add (i32.shl (local.get $j) (i32.const 5)) (i32.const 16))
            (f32x4.splat (f32.load offset=2976 (i32.shl (local.get $j) (i32.const 2)))) (f32x4.splat (local.get $d))
            (v128.const i32x4 0 0 0 0) (i32x4.splat (local.get $nmax)) (v128.const i32x4 0 0 0 0))))
      (br_if $group (i32.lt_u (local.tee $j (i32.add (local.get $j) (i32.const 1))) (i32.const 8))))
    (v128.store offset=3024 (i32.const 0) (v128.const i32x4 0 0 0 0))
    (v128.store offset=3040 (i32.const 0) (v128.const i32x4 0 0 0 0))
    ;; k: 16-byte piece k&1 of group pair k>>1; src: its first quant; dst: its qs bytes (after qh in Q5_K).
    (loop $piece
      (local.set $src (i32.add (i32.shl (i32.shr_u (local.get $k) (i32.const 1)) (i32.const 6)) (i32.shl (i32.and (local.get $k) (i32.const 1)) (i32.const 4))))
      (local.set $dst (i32.add (i32.add (i32.const 16) (i32.shl (local.get $q5) (i32.const 5)))
        (i32.add (i32.shl (i32.shr_u (local.get $k) (i32.const 1)) (i32.const 5)) (i32.shl (i32.and (local.get $k) (i32.const 1)) (i32.const 4)))))
      (local.set $l1 (v128.load offset=2656 (local.get $src)))
      (local.set $l2 (v128.load offset=2688 (local.get $src)))
      (v128.store offset=3008 (local.get $dst)
        (v128.or
          (v128.and (local.get $l1) (v128.const i8x16 15 15 15 15 15 15 15 15 15 15 15 15 15 15 15 15))
          (i8x16.shl (local.get $l2) (i32.const 4))))
      (if (local.get $q5)
        (then
          ;; The first group's fifth bits at bit 2·pair, the second's at 2·pair+1.
          (local.set $bit (i8x16.splat (i32.shl (i32.const 1) (i32.and (local.get $k) (i32.const 6)))))
          (local.set $qh (i32.shl (i32.and (local.get $k) (i32.const 1)) (i32.const 4)))
          (v128.store offset=3024 (local.get $qh)
            (v128.or (v128.load offset=3024 (local.get $qh))
              (v128.or
                (v128.and (i8x16.gt_u (local.get $l1) (v128.const i8x16 15 15 15 15 15 15 15 15 15 15 15 15 15 15 15 15)) (local.get $bit))
                (v128.and (i8x16.gt_u (local.get $l2) (v128.const i8x16 15 15 15 15 15 15 15 15 15 15 15 15 15 15 15 15))
                  (i8x16.shl (local.get $bit) (i32.const 1))))))))
      (br_if $piece (i32.lt_u (local.tee $k (i32.add (local.get $k) (i32.const 1))) (i32.const 8)))))

  ;; Q6_K: re-quantizes each group whose d is not 0, then packs ql[128] at 0 (low nibbles: values l and l+64 of
  ;; each 128 in one byte, l+32 and l+96 in the next 32) and qh[64] at 128 (the two high bits of those four).
  (func (export "packSymmetric")
    (local $j i32) (local $d f32) (local $k i32) (local $src i32) (local $q1 v128) (local $q2 v128) (local $q3 v128)
    (local $q4 v128) (local $ql i32) (local $qh i32)
    (loop $group
      (local.set $d (f32.load offset=2912 (i32.shl (local.get $j) (i32.const 2))))
      (if (f32.ne (local.get $d) (f32.const 0))
        (then
          (call $requant16 (i32.shl (local.get $j) (i32.const 4)) (v128.const i32x4 0 0 0 0) (f32x4.splat (local.get $d))
            (v128.const i32x4 -32 -32 -32 -32) (v128.const i32x4 31 31 31 31) (v128.const i32x4 32 32 32 32))))
      (br_if $group (i32.lt_u (local.tee $j (i32.add (local.get $j) (i32.const 1))) (i32.const 16))))
    ;; k: 16-byte piece k&1 of half k>>1 (128 values each).
    (loop $piece
      (local.set $src (i32.add (i32.shl (i32.shr_u (local.get $k) (i32.const 1)) (i32.const 7)) (i32.shl (i32.and (local.get $k) (i32.const 1)) (i32.const 4))))
      (local.set $q1 (v128.load offset=2656 (local.get $src)))
      (local.set $q2 (v128.load offset=2688 (local.get $src)))
      (local.set $q3 (v128.load offset=2720 (local.get $src)))
      (local.set $q4 (v128.load offset=2752 (local.get $src)))
      (local.set $ql (i32.add (i32.shl (i32.shr_u (local.get $k) (i32.const 1)) (i32.const 6)) (i32.shl (i32.and (local.get $k) (i32.const 1)) (i32.const 4))))
      (local.set $qh (i32.add (i32.shl (i32.shr_u (local.get $k) (i32.const 1)) (i32.const 5)) (i32.shl (i32.and (local.get $k) (i32.const 1)) (i32.const 4))))
      (v128.store offset=3008 (local.get $ql)
        (v128.or (v128.and (local.get $q1) (v128.const i8x16 15 15 15 15 15 15 15 15 15 15 15 15 15 15 15 15)) (i8x16.shl (local.get $q3) (i32.const 4))))
      (v128.store offset=3040 (local.get $ql)
        (v128.or (v128.and (local.get $q2) (v128.const i8x16 15 15 15 15 15 15 15 15 15 15 15 15 15 15 15 15)) (i8x16.shl (local.get $q4) (i32.const 4))))
      (v128.store offset=3136 (local.get $qh)
        (v128.or
          (v128.or (i8x16.shr_u (local.get $q1) (i32.const 4)) (i8x16.shl (i8x16.shr_u (local.get $q2) (i32.const 4)) (i32.const 2)))
          (v128.or (i8x16.shl (i8x16.shr_u (local.get $q3) (i32.const 4)) (i32.const 4)) (i8x16.shl (i8x16.shr_u (local.get $q4) (i32.const 4)) (i32.const 6)))))
      (br_if $piece (i32.lt_u (local.tee $k (i32.add (local.get $k) (i32.const 1))) (i32.const 4))))))
