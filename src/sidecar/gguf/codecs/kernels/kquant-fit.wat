;; ggml's make_qkx2_quants and make_qx_quants (ggml-quants.c), the scale searches of the Q4_K/Q5_K and Q6_K
;; reference encoders, in WebAssembly because its f32 arithmetic is IEEE single precision with one rounding per
;; operation and nothing fused: exactly the C code's arithmetic, done natively instead of through Math.fround.
;; Memory: x[32] f32 at 0, weights[32] f32 at 128, L[32] u8 at 256, Laux[32] u8 at 288, the min (out) f32 at 320.
(module
  (memory (export "memory") 1)

  ;; nearest_int(v) limited to [lo, hi]: one call per value in the hot loops.
  (func $quant (param $v f32) (param $lo i32) (param $hi i32) (result i32)
    (local $l i32)
    (local.set $l (i32.sub
      (i32.and (i32.reinterpret_f32 (f32.add (local.get $v) (f32.const 12582912))) (i32.const 0x7fffff))
      (i32.const 0x400000)))
    (select (local.get $lo)
      (select (local.get $hi) (local.get $l) (i32.gt_s (local.get $l) (local.get $hi)))
      (i32.lt_s (local.get $l) (local.get $lo))))

  ;; Copies n bytes (no bulk-memory instructions, so any engine runs it).
  (func $copy (param $to i32) (param $from i32) (param $n i32)
    (local $i i32)
    (block $done (loop $next
      (br_if $done (i32.ge_s (local.get $i) (local.get $n)))
      (i32.store8 (i32.add (local.get $to) (local.get $i)) (i32.load8_u (i32.add (local.get $from) (local.get $i))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $next))))

;; make_qx_quants with rmse_type 1 and no importance weights (Q6_K): symmetric quants in [-nmax, nmax-1] weighted
  ;; by x², 19 scales tried around -nmax/max. Writes L (offset by nmax) and returns the scale.
  (func (export "qx") (param $n i32) (param $nmax i32) (result f32)
    (local $i i32) (local $p i32) (local $l i32) (local $is i32)
    (local $max f32) (local $amax f32) (local $ax f32) (local $xi f32) (local $iscale f32) (local $sumlx f32)
    (local $suml2 f32) (local $scale f32) (local $best f32) (local $w f32) (local $lf f32) (local $nmaxf f32)
    (local.set $nmaxf (f32.convert_i32_s (local.get $nmax)))
    (block $d1 (loop $scan
      (br_if $d1 (i32.ge_s (local.get $i) (local.get $n)))
      (local.set $xi (f32.load (i32.shl (local.get $i) (i32.const 2))))
      (local.set $ax (f32.abs (local.get $xi)))
      (if (f32.gt (local.get $ax) (local.get $amax)) (then (local.set $amax (local.get $ax)) (local.set $max (local.get $xi))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $scan)))
    (if (f32.lt (local.get $amax) (f32.const 1e-15)) (then
      (local.set $i (i32.const 0))
      (block $z (loop $zero
        (br_if $z (i32.ge_s (local.get $i) (local.get $n)))
        (i32.store8 offset=256 (local.get $i) (i32.const 0))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $zero)))
      (return (f32.const 0))))
    (local.set $iscale (f32.div (f32.neg (local.get $nmaxf)) (local.get $max)))
    (local.set $i (i32.const 0))
    (block $d2 (loop $first
      (br_if $d2 (i32.ge_s (local.get $i) (local.get $n)))
      (local.set $xi (f32.load (i32.shl (local.get $i) (i32.const 2))))
      (local.set $l (call $quant (f32.mul (local.get $iscale) (local.get $xi))
        (i32.sub (i32.const 0) (local.get $nmax)) (i32.sub (local.get $nmax) (i32.const 1))))
      (i32.store8 offset=256 (local.get $i) (i32.add (local.get $l) (local.get $nmax)))
      (local.set $w (f32.mul (local.get $xi) (local.get $xi)))
      (local.set $lf (f32.convert_i32_s (local.get $l)))
      (local.set $sumlx (f32.add (local.get $sumlx) (f32.mul (f32.mul (local.get $w) (local.get $xi)) (local.get $lf))))
      (local.set $suml2 (f32.add (local.get $suml2) (f32.mul (f32.mul (local.get $w) (local.get $lf)) (local.get $lf))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $first)))
    (local.set $scale (select (f32.div (local.get $sumlx) (local.get $suml2)) (f32.const 0) (f32.ne (local.get $suml2) (f32.const 0))))
    (local.set $best (f32.mul (local.get $scale) (local.get $sumlx)))
    (local.set $is (i32.const -9))
    (block $d3 (loop $candidate
      (br_if $d3 (i32.gt_s (local.get $is) (i32.const 9)))
      (if (local.get $is) (then
        (local.set $iscale (f32.div
          (f32.neg (f32.add (local.get $nmaxf) (f32.mul (f32.const 0.1) (f32.convert_i32_s (local.get $is)))))
          (local.get $max)))
        (local.set $sumlx (f32.const 0))
        (local.set $suml2 (f32.const 0))
        (local.set $i (i32.const 0))
        (block $d4 (loop $sum
          (br_if $d4 (i32.ge_s (local.get $i) (local.get $n)))
          (local.set $xi (f32.load (i32.shl (local.get $i) (i32.const 2))))
          (local.set $lf (f32.convert_i32_s (call $quant (f32.mul (local.get $iscale) (local.get $xi))
            (i32.sub (i32.const 0) (local.get $nmax)) (i32.sub (local.get $nmax) (i32.const 1)))))
          (local.set $w (f32.mul (local.get $xi) (local.get $xi)))
          (local.set $sumlx (f32.add (local.get $sumlx) (f32.mul (f32.mul (local.get $w) (local.get $xi)) (local.get $lf))))
          (local.set $suml2 (f32.add (local.get $suml2) (f32.mul (f32.mul (local.get $w) (local.get $lf)) (local.get $lf))))
          (local.set $i (i32.add (local.get $i) (i32.const 1)))
          (br $sum)))
        (if (i32.and (f32.gt (local.get $suml2) (f32.const 0))
                     (f32.gt (f32.mul (local.get $sumlx) (local.get $sumlx)) (f32.mul (local.get $best) (local.get $suml2)))) (then
          (local.set $i (i32.const 0))
          (block $d5 (loop $keep
            (br_if $d5 (i32.ge_s (local.get $i) (local.get $n)))
            (i32.store8 offset=256 (local.get $i) (i32.add (local.get $nmax)
              (call $quant (f32.mul (local.get $iscale) (f32.load (i32.shl (local.get $i) (i32.const 2))))
                (i32.sub (i32.const 0) (local.get $nmax)) (i32.sub (local.get $nmax) (i32.const 1)))))
            (local.set $i (i32.add (local.get $i) (i32.const 1)))
            (br $keep)))
          (local.set $scale (f32.div (local.get $sumlx) (local.get $suml2)))
          (local.set $best (f32.mul (local.get $scale) (local.get $sumlx)))))))
      (local.set $is (i32.add (local.get $is) (i32.const 1)))
      (br $candidate)))
    (local.get $scale))

  ;; Returns the scale; writes L and the min (negated, as ggml's the_min).
  (func (export "qkx2") (param $n i32) (param $nmax i32) (param $rmin f32) (param $rdelta f32) (param $nstep i32) (result f32)
    (local $i i32) (local $p i32) (local $l i32) (local $is i32) (local $changed i32)
    (local $min f32) (local $max f32) (local $sumW f32) (local $sumX f32) (local $iscale f32) (local $scale f32)
    (local $best f32) (local $sumL f32) (local $sumL2 f32) (local $sumXL f32) (local $D f32) (local $ts f32)
    (local $tm f32) (local $err f32) (local $xi f32) (local $w f32) (local $wl f32) (local $lf f32) (local $diff f32)
    (local.set $min (f32.load (i32.const 0)))
    (local.set $max (local.get $min))
    (local.set $sumW (f32.load (i32.const 128)))
    (local.set $sumX (f32.mul (local.get $sumW) (local.get $min)))
    (local.set $i (i32.const 1))
    (block $done (loop $scan
      (br_if $done (i32.ge_s (local.get $i) (local.get $n)))
      (local.set $p (i32.shl (local.get $i) (i32.const 2)))
      (local.set $xi (f32.load (local.get $p)))
      (if (f32.lt (local.get $xi) (local.get $min)) (then (local.set $min (local.get $xi))))
      (if (f32.gt (local.get $xi) (local.get $max)) (then (local.set $max (local.get $xi))))
      (local.set $w (f32.load offset=128 (local.get $p)))
      (local.set $sumW (f32.add (local.get $sumW) (local.get $w)))
      (local.set $sumX (f32.add (local.get $sumX) (f32.mul (local.get $w) (local.get $xi))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $scan)))
    (if (f32.gt (local.get $min) (f32.const 0)) (then (local.set $min (f32.const 0))))
    (if (f32.eq (local.get $max) (local.get $min)) (then
      (local.set $i (i32.const 0))
      (block $z (loop $zero
        (br_if $z (i32.ge_s (local.get $i) (local.get $n)))
        (i32.store8 offset=256 (local.get $i) (i32.const 0))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $zero)))
      (f32.store (i32.const 320) (f32.neg (local.get $min)))
      (return (f32.const 0))))
    ;; The first guess: nmax levels over [min, max], and its weighted squared error.
    (local.set $iscale (f32.div (f32.convert_i32_s (local.get $nmax)) (f32.sub (local.get $max) (local.get $min))))
    (local.set $scale (f32.div (f32.const 1) (local.get $iscale)))
    (local.set $i (i32.const 0))
    (block $d2 (loop $init
      (br_if $d2 (i32.ge_s (local.get $i) (local.get $n)))
      (local.set $p (i32.shl (local.get $i) (i32.const 2)))
      (local.set $xi (f32.load (local.get $p)))
      (local.set $l (call $quant (f32.mul (local.get $iscale) (f32.sub (local.get $xi) (local.get $min))) (i32.const 0) (local.get $nmax)))
      (i32.store8 offset=256 (local.get $i) (local.get $l))
      (local.set $diff (f32.sub (f32.add (f32.mul (local.get $scale) (f32.convert_i32_s (local.get $l))) (local.get $min)) (local.get $xi)))
      (local.set $best (f32.add (local.get $best) (f32.mul (f32.load offset=128 (local.get $p)) (f32.mul (local.get $diff) (local.get $diff)))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $init)))
    ;; nstep+1 candidate scales; each one's quants get the least-squares scale and min.
    (block $d3 (loop $candidate
      (br_if $d3 (i32.gt_s (local.get $is) (local.get $nstep)))
      ;; The range is measured from the best min so far, as in ggml.
      (local.set $iscale (f32.div
        (f32.add (f32.add (local.get $rmin) (f32.mul (local.get $rdelta) (f32.convert_i32_s (local.get $is)))) (f32.convert_i32_s (local.get $nmax)))
        (f32.sub (local.get $max) (local.get $min))))
      (local.set $changed (i32.eqz (local.get $is)))
      (local.set $i (i32.const 0))
      (block $d4 (loop $quant
        (br_if $d4 (i32.ge_s (local.get $i) (local.get $n)))
        (local.set $l (call $quant
          (f32.mul (local.get $iscale) (f32.sub (f32.load (i32.shl (local.get $i) (i32.const 2))) (local.get $min)))
          (i32.const 0) (local.get $nmax)))
        (if (i32.ne (local.get $l) (i32.load8_u offset=288 (local.get $i))) (then (local.set $changed (i32.const 1))))
        (i32.store8 offset=288 (local.get $i) (local.get $l))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $quant)))
      ;; The same quants as the previous candidate give the same result, which lost or cannot beat itself.
      (if (local.get $changed) (then
        (local.set $sumL (f32.const 0))
        (local.set $sumL2 (f32.const 0))
        (local.set $sumXL (f32.const 0))
        (local.set $i (i32.const 0))
        (block $d5 (loop $sum
          (br_if $d5 (i32.ge_s (local.get $i) (local.get $n)))
          (local.set $p (i32.shl (local.get $i) (i32.const 2)))
          (local.set $lf (f32.convert_i32_s (i32.load8_u offset=288 (local.get $i))))
          (local.set $wl (f32.mul (f32.load offset=128 (local.get $p)) (local.get $lf)))
          (local.set $sumL (f32.add (local.get $sumL) (local.get $wl)))
          (local.set $sumL2 (f32.add (local.get $sumL2) (f32.mul (local.get $wl) (local.get $lf))))
          (local.set $sumXL (f32.add (local.get $sumXL) (f32.mul (local.get $wl) (f32.load (local.get $p)))))
          (local.set $i (i32.add (local.get $i) (i32.const 1)))
          (br $sum)))
        (local.set $D (f32.sub (f32.mul (local.get $sumW) (local.get $sumL2)) (f32.mul (local.get $sumL) (local.get $sumL))))
        (if (f32.gt (local.get $D) (f32.const 0)) (then
          (local.set $ts (f32.div (f32.sub (f32.mul (local.get $sumW) (local.get $sumXL)) (f32.mul (local.get $sumX) (local.get $sumL))) (local.get $D)))
          (local.set $tm (f32.div (f32.sub (f32.mul (local.get $sumL2) (local.get $sumX)) (f32.mul (local.get $sumL) (local.get $sumXL))) (local.get $D)))
          (if (f32.gt (local.get $tm) (f32.const 0)) (then
            (local.set $tm (f32.const 0))
            (local.set $ts (f32.div (local.get $sumXL) (local.get $sumL2)))))
          (local.set $err (f32.const 0))
          (local.set $i (i32.const 0))
          (block $d6 (loop $error
            (br_if $d6 (i32.ge_s (local.get $i) (local.get $n)))
            (local.set $p (i32.shl (local.get $i) (i32.const 2)))
            (local.set $diff (f32.sub
              (f32.add (f32.mul (local.get $ts) (f32.convert_i32_s (i32.load8_u offset=288 (local.get $i)))) (local.get $tm))
              (f32.load (local.get $p))))
            (local.set $err (f32.add (local.get $err) (f32.mul (f32.load offset=128 (local.get $p)) (f32.mul (local.get $diff) (local.get $diff)))))
            (local.set $i (i32.add (local.get $i) (i32.const 1)))
            (br $error)))
          (if (f32.lt (local.get $err) (local.get $best)) (then
            (call $copy (i32.const 256) (i32.const 288) (local.get $n))
            (local.set $best (local.get $err))
            (local.set $scale (local.get $ts))
            (local.set $min (local.get $tm))))))))
      (local.set $is (i32.add (local.get $is) (i32.const 1)))
      (br $candidate)))
    (f32.store (i32.const 320) (f32.neg (local.get $min)))
    (local.get $scale)))
