;; Σ cᵢ·inputᵢ over F16 tensors, written as F16: the hot loop of linear and task-arithmetic merges.
;;
;; It must write exactly the bits of the reference path (decode through the F16 table → weightedSum in
;; methods/linear.ts, which computes in float32 → encodeF16), so:
;;   - coefficients are rounded to float32, products and sums are in f32 (four lanes per vector; float32 is what
;;     the merge computes in, as mergekit computes in the tensors' own dtype; it is about 20% faster than f64 here),
;;     in the reference's order: c₀·x₀ (+ c₁·x₁ …); for three or more inputs the reference starts its sum from
;;     0 (so 0 + c₀·x₀ turns −0 into +0), for one or two from the first product, which is what starting from −0
;;     gives (−0 + x = x for every x);
;;   - a NaN half decodes to the positive quiet NaN 0x7fc00000, as the table does;
;;   - float32 → F16 rounds to nearest even, subnormal halves through the "+ 0.5" trick of f16-encode.ts.
;; Eight values per step, everything inline (calls with vector arguments cost more than the work itself here),
;; special values (infinities, NaN, subnormal or overflowing results) on a branch that is rarely taken, and the
;; common two-input merge in its own straight-line function (faster than the loop over inputs).
;; The caller passes n as a multiple of 8 (padding the tail).
;;
;; Layout, all byte addresses in this module's memory:
;;   $ptrs: k i32 addresses of the input arrays (n halves each); $coefs: k f64 coefficients (rounded to f32
;;   here); $out: n halves.
;; weightedSum2 is weightedSum for k = 2 (not for k = 1: adding 0·x would turn −0 into +0 and ∞ into NaN).
;; Rebuild the TypeScript module that embeds the binary with `node scripts/build-wasm.mjs` after editing.
;; The memory is imported and shared, so that a worker thread can run the kernel over the same memory the main
;; thread reads input chunks into and writes results from (see f16-sum-worker.ts).
(module
  (import "env" "memory" (memory 1 65536 shared))

  (func (export "weightedSum") (param $ptrs i32) (param $coefs i32) (param $k i32) (param $out i32) (param $n i32)
    (local $off i32) (local $end i32) (local $i i32)
    (local $start v128) (local $c v128) (local $h v128) (local $zero v128) (local $f0 v128) (local $f1 v128)
    (local $u v128) (local $em v128) (local $sign v128) (local $lo v128) (local $hi v128)
    (local $x v128) (local $abs v128) (local $normal v128) (local $sub v128) (local $big v128)
    (local $xh v128) (local $absh v128) (local $normalh v128)
    (local.set $end (i32.shl (local.get $n) (i32.const 1)))
    (local.set $start (f32x4.splat (select (f32.const 0) (f32.const -0) (i32.ge_u (local.get $k) (i32.const 3)))))
    (block $done
      (loop $values
        (br_if $done (i32.ge_u (local.get $off) (local.get $end)))
        ;; $x and $xh accumulate values 0–3 and 4–7 of this step
        (local.set $x (local.get $start))
        (local.set $xh (local.get $start))
        (local.set $i (i32.const 0))
        (loop $inputs
          (local.set $c (f32x4.splat (f32.demote_f64 (f64.load (i32.add (local.get $coefs) (i32.shl (local.get $i) (i32.const 3)))))))
          (local.set $h
            (v128.load (i32.add (i32.load (i32.add (local.get $ptrs) (i32.shl (local.get $i) (i32.const 2)))) (local.get $off))))
          ;; decoded as in weightedSum2 below
          (local.set $f0 (f32x4.mul (v128.and (i32x4.shr_s (i8x16.shuffle 0 1 16 17 2 3 18 19 4 5 20 21 6 7 22 23 (local.get $zero) (local.get $h)) (i32.const 3)) (i32x4.splat (i32.const 0x8fffe000))) (f32x4.splat (f32.const 0x1p112))))
          (local.set $f1 (f32x4.mul (v128.and (i32x4.shr_s (i8x16.shuffle 8 9 24 25 10 11 26 27 12 13 28 29 14 15 30 31 (local.get $zero) (local.get $h)) (i32.const 3)) (i32x4.splat (i32.const 0x8fffe000))) (f32x4.splat (f32.const 0x1p112))))
          (if (v128.any_true (i16x8.ge_s (v128.and (local.get $h) (i16x8.splat (i32.const 0x7fff))) (i16x8.splat (i32.const 0x7c00))))
            (then
              (local.set $u (i32x4.extend_low_i16x8_u (local.get $h)))
              (local.set $em (v128.and (local.get $u) (i32x4.splat (i32.const 0x7fff))))
              (local.set $sign (i32x4.shl (v128.and (local.get $u) (i32x4.splat (i32.const 0x8000))) (i32.const 16)))
              (local.set $f0 (v128.bitselect (v128.or (i32x4.splat (i32.const 0x7f800000)) (local.get $sign)) (local.get $f0) (i32x4.ge_s (local.get $em) (i32x4.splat (i32.const 0x7c00)))))
              (local.set $f0 (v128.bitselect (i32x4.splat (i32.const 0x7fc00000)) (local.get $f0) (i32x4.gt_s (local.get $em) (i32x4.splat (i32.const 0x7c00)))))
              (local.set $u (i32x4.extend_high_i16x8_u (local.get $h)))
              (local.set $em (v128.and (local.get $u) (i32x4.splat (i32.const 0x7fff))))
              (local.set $sign (i32x4.shl (v128.and (local.get $u) (i32x4.splat (i32.const 0x8000))) (i32.const 16)))
              (local.set $f1 (v128.bitselect (v128.or (i32x4.splat (i32.const 0x7f800000)) (local.get $sign)) (local.get $f1) (i32x4.ge_s (local.get $em) (i32x4.splat (i32.const 0x7c00)))))
              (local.set $f1 (v128.bitselect (i32x4.splat (i32.const 0x7fc00000)) (local.get $f1) (i32x4.gt_s (local.get $em) (i32x4.splat (i32.const 0x7c00)))))))
          ;; + cᵢ·xᵢ in float32
          (local.set $x (f32x4.add (local.get $x) (f32x4.mul (local.get $c) (local.get $f0))))
          (local.set $xh (f32x4.add (local.get $xh) (f32x4.mul (local.get $c) (local.get $f1))))
          (local.set $i (i32.add (local.get $i) (i32.const 1)))
          (br_if $inputs (i32.lt_u (local.get $i) (local.get $k))))
        ;; encoded as in weightedSum2 below
        (local.set $abs (v128.and (local.get $x) (i32x4.splat (i32.const 0x7fffffff))))
        (local.set $absh (v128.and (local.get $xh) (i32x4.splat (i32.const 0x7fffffff))))
        (local.set $normal (i32x4.shr_u (i32x4.add (i32x4.add (local.get $abs) (i32x4.splat (i32.const 0xc8000fff))) (v128.and (i32x4.shr_u (local.get $abs) (i32.const 13)) (i32x4.splat (i32.const 1)))) (i32.const 13)))
        (local.set $normalh (i32x4.shr_u (i32x4.add (i32x4.add (local.get $absh) (i32x4.splat (i32.const 0xc8000fff))) (v128.and (i32x4.shr_u (local.get $absh) (i32.const 13)) (i32x4.splat (i32.const 1)))) (i32.const 13)))
        ;; all eight normal halves (0x38800000 ≤ |x| < 0x477ff000)? One signed compare each: adding 0x47800000
        ;; maps exactly that range to the bottom of the negative numbers, below 0x8efff000.
        (if (i32.eqz (i32x4.all_true (v128.and (i32x4.lt_s (i32x4.add (local.get $abs) (i32x4.splat (i32.const 0x47800000))) (i32x4.splat (i32.const 0x8efff000))) (i32x4.lt_s (i32x4.add (local.get $absh) (i32x4.splat (i32.const 0x47800000))) (i32x4.splat (i32.const 0x8efff000))))))
          (then
            (local.set $sub (i32x4.sub (f32x4.add (local.get $abs) (f32x4.splat (f32.const 0.5))) (i32x4.splat (i32.const 0x3f000000))))
            (local.set $big (v128.bitselect (i32x4.splat (i32.const 0x7e00)) (i32x4.splat (i32.const 0x7c00)) (i32x4.gt_s (local.get $abs) (i32x4.splat (i32.const 0x7f800000)))))
            (local.set $normal (v128.bitselect (local.get $sub) (v128.bitselect (local.get $normal) (local.get $big) (i32x4.lt_s (local.get $abs) (i32x4.splat (i32.const 0x477ff000)))) (i32x4.lt_s (local.get $abs) (i32x4.splat (i32.const 0x38800000)))))
            (local.set $sub (i32x4.sub (f32x4.add (local.get $absh) (f32x4.splat (f32.const 0.5))) (i32x4.splat (i32.const 0x3f000000))))
            (local.set $big (v128.bitselect (i32x4.splat (i32.const 0x7e00)) (i32x4.splat (i32.const 0x7c00)) (i32x4.gt_s (local.get $absh) (i32x4.splat (i32.const 0x7f800000)))))
            (local.set $normalh (v128.bitselect (local.get $sub) (v128.bitselect (local.get $normalh) (local.get $big) (i32x4.lt_s (local.get $absh) (i32x4.splat (i32.const 0x477ff000)))) (i32x4.lt_s (local.get $absh) (i32x4.splat (i32.const 0x38800000)))))))
        (local.set $lo (v128.or (v128.and (i32x4.shr_u (local.get $x) (i32.const 16)) (i32x4.splat (i32.const 0x8000))) (local.get $normal)))
        (local.set $hi (v128.or (v128.and (i32x4.shr_u (local.get $xh) (i32.const 16)) (i32x4.splat (i32.const 0x8000))) (local.get $normalh)))
        (v128.store (i32.add (local.get $out) (local.get $off)) (i16x8.narrow_i32x4_u (local.get $lo) (local.get $hi)))
        (local.set $off (i32.add (local.get $off) (i32.const 16)))
        (br $values))))

  ;; The same for exactly two inputs, eight values a step (one 16-byte load per input): both decoded, then
  ;; c₀·x₀ + c₁·x₁. n must be a multiple of 8 here.
  (func (export "weightedSum2") (param $ptrs i32) (param $coefs i32) (param $out i32) (param $n i32)
    (local $off i32) (local $end i32) (local $pa i32) (local $pb i32)
    (local $ca v128) (local $cb v128) (local $ha v128) (local $hb v128) (local $zero v128)
    (local $fa0 v128) (local $fb0 v128) (local $fa1 v128) (local $fb1 v128)
    (local $u v128) (local $em v128) (local $sign v128) (local $lo v128) (local $hi v128)
    (local $x v128) (local $abs v128) (local $normal v128) (local $sub v128) (local $big v128)
    (local $xh v128) (local $absh v128) (local $normalh v128)
    (local.set $end (i32.shl (local.get $n) (i32.const 1)))
    (local.set $pa (i32.load (local.get $ptrs)))
    (local.set $pb (i32.load offset=4 (local.get $ptrs)))
    (local.set $ca (f32x4.splat (f32.demote_f64 (f64.load (local.get $coefs)))))
    (local.set $cb (f32x4.splat (f32.demote_f64 (f64.load offset=8 (local.get $coefs)))))
    (block $done
      (loop $values
        (br_if $done (i32.ge_u (local.get $off) (local.get $end)))
        (local.set $ha (v128.load (i32.add (local.get $pa) (local.get $off))))
        (local.set $hb (v128.load (i32.add (local.get $pb) (local.get $off))))
        ;; decode: each half interleaved with zeros into the top of an i32 lane (one unpack), shifted right
        ;; arithmetically by 3 so the sign stays at the top and exponent and mantissa land in float position,
        ;; then scaled by 2^112: normal and subnormal halves become the right floats, exactly
        (local.set $fa0 (f32x4.mul (v128.and (i32x4.shr_s (i8x16.shuffle 0 1 16 17 2 3 18 19 4 5 20 21 6 7 22 23 (local.get $zero) (local.get $ha)) (i32.const 3)) (i32x4.splat (i32.const 0x8fffe000))) (f32x4.splat (f32.const 0x1p112))))
        (local.set $fa1 (f32x4.mul (v128.and (i32x4.shr_s (i8x16.shuffle 8 9 24 25 10 11 26 27 12 13 28 29 14 15 30 31 (local.get $zero) (local.get $ha)) (i32.const 3)) (i32x4.splat (i32.const 0x8fffe000))) (f32x4.splat (f32.const 0x1p112))))
        (local.set $fb0 (f32x4.mul (v128.and (i32x4.shr_s (i8x16.shuffle 0 1 16 17 2 3 18 19 4 5 20 21 6 7 22 23 (local.get $zero) (local.get $hb)) (i32.const 3)) (i32x4.splat (i32.const 0x8fffe000))) (f32x4.splat (f32.const 0x1p112))))
        (local.set $fb1 (f32x4.mul (v128.and (i32x4.shr_s (i8x16.shuffle 8 9 24 25 10 11 26 27 12 13 28 29 14 15 30 31 (local.get $zero) (local.get $hb)) (i32.const 3)) (i32x4.splat (i32.const 0x8fffe000))) (f32x4.splat (f32.const 0x1p112))))
        ;; infinities and NaNs (exponent all ones), checked eight halves at a time, fixed on a rare branch
        (if (v128.any_true (i16x8.ge_s (v128.and (local.get $ha) (i16x8.splat (i32.const 0x7fff))) (i16x8.splat (i32.const 0x7c00))))
          (then
            (local.set $u (i32x4.extend_low_i16x8_u (local.get $ha)))
            (local.set $em (v128.and (local.get $u) (i32x4.splat (i32.const 0x7fff))))
            (local.set $sign (i32x4.shl (v128.and (local.get $u) (i32x4.splat (i32.const 0x8000))) (i32.const 16)))
            (local.set $fa0 (v128.bitselect (v128.or (i32x4.splat (i32.const 0x7f800000)) (local.get $sign)) (local.get $fa0) (i32x4.ge_s (local.get $em) (i32x4.splat (i32.const 0x7c00)))))
            (local.set $fa0 (v128.bitselect (i32x4.splat (i32.const 0x7fc00000)) (local.get $fa0) (i32x4.gt_s (local.get $em) (i32x4.splat (i32.const 0x7c00)))))
            (local.set $u (i32x4.extend_high_i16x8_u (local.get $ha)))
            (local.set $em (v128.and (local.get $u) (i32x4.splat (i32.const 0x7fff))))
            (local.set $sign (i32x4.shl (v128.and (local.get $u) (i32x4.splat (i32.const 0x8000))) (i32.const 16)))
            (local.set $fa1 (v128.bitselect (v128.or (i32x4.splat (i32.const 0x7f800000)) (local.get $sign)) (local.get $fa1) (i32x4.ge_s (local.get $em) (i32x4.splat (i32.const 0x7c00)))))
            (local.set $fa1 (v128.bitselect (i32x4.splat (i32.const 0x7fc00000)) (local.get $fa1) (i32x4.gt_s (local.get $em) (i32x4.splat (i32.const 0x7c00)))))))
        (if (v128.any_true (i16x8.ge_s (v128.and (local.get $hb) (i16x8.splat (i32.const 0x7fff))) (i16x8.splat (i32.const 0x7c00))))
          (then
            (local.set $u (i32x4.extend_low_i16x8_u (local.get $hb)))
            (local.set $em (v128.and (local.get $u) (i32x4.splat (i32.const 0x7fff))))
            (local.set $sign (i32x4.shl (v128.and (local.get $u) (i32x4.splat (i32.const 0x8000))) (i32.const 16)))
            (local.set $fb0 (v128.bitselect (v128.or (i32x4.splat (i32.const 0x7f800000)) (local.get $sign)) (local.get $fb0) (i32x4.ge_s (local.get $em) (i32x4.splat (i32.const 0x7c00)))))
            (local.set $fb0 (v128.bitselect (i32x4.splat (i32.const 0x7fc00000)) (local.get $fb0) (i32x4.gt_s (local.get $em) (i32x4.splat (i32.const 0x7c00)))))
            (local.set $u (i32x4.extend_high_i16x8_u (local.get $hb)))
            (local.set $em (v128.and (local.get $u) (i32x4.splat (i32.const 0x7fff))))
            (local.set $sign (i32x4.shl (v128.and (local.get $u) (i32x4.splat (i32.const 0x8000))) (i32.const 16)))
            (local.set $fb1 (v128.bitselect (v128.or (i32x4.splat (i32.const 0x7f800000)) (local.get $sign)) (local.get $fb1) (i32x4.ge_s (local.get $em) (i32x4.splat (i32.const 0x7c00)))))
            (local.set $fb1 (v128.bitselect (i32x4.splat (i32.const 0x7fc00000)) (local.get $fb1) (i32x4.gt_s (local.get $em) (i32x4.splat (i32.const 0x7c00)))))))
        
        (local.set $x (f32x4.add (f32x4.mul (local.get $ca) (local.get $fa0)) (f32x4.mul (local.get $cb) (local.get $fb0))))
        (local.set $xh (f32x4.add (f32x4.mul (local.get $ca) (local.get $fa1)) (f32x4.mul (local.get $cb) (local.get $fb1))))
        (local.set $abs (v128.and (local.get $x) (i32x4.splat (i32.const 0x7fffffff))))
        (local.set $absh (v128.and (local.get $xh) (i32x4.splat (i32.const 0x7fffffff))))
        (local.set $normal (i32x4.shr_u (i32x4.add (i32x4.add (local.get $abs) (i32x4.splat (i32.const 0xc8000fff))) (v128.and (i32x4.shr_u (local.get $abs) (i32.const 13)) (i32x4.splat (i32.const 1)))) (i32.const 13)))
        (local.set $normalh (i32x4.shr_u (i32x4.add (i32x4.add (local.get $absh) (i32x4.splat (i32.const 0xc8000fff))) (v128.and (i32x4.shr_u (local.get $absh) (i32.const 13)) (i32x4.splat (i32.const 1)))) (i32.const 13)))
        ;; all eight normal halves (0x38800000 ≤ |x| < 0x477ff000)? One signed compare each: adding 0x47800000
        ;; maps exactly that range to the bottom of the negative numbers, below 0x8efff000.
        (if (i32.eqz (i32x4.all_true (v128.and (i32x4.lt_s (i32x4.add (local.get $abs) (i32x4.splat (i32.const 0x47800000))) (i32x4.splat (i32.const 0x8efff000))) (i32x4.lt_s (i32x4.add (local.get $absh) (i32x4.splat (i32.const 0x47800000))) (i32x4.splat (i32.const 0x8efff000))))))
          (then
            (local.set $sub (i32x4.sub (f32x4.add (local.get $abs) (f32x4.splat (f32.const 0.5))) (i32x4.splat (i32.const 0x3f000000))))
            (local.set $big (v128.bitselect (i32x4.splat (i32.const 0x7e00)) (i32x4.splat (i32.const 0x7c00)) (i32x4.gt_s (local.get $abs) (i32x4.splat (i32.const 0x7f800000)))))
            (local.set $normal (v128.bitselect (local.get $sub) (v128.bitselect (local.get $normal) (local.get $big) (i32x4.lt_s (local.get $abs) (i32x4.splat (i32.const 0x477ff000)))) (i32x4.lt_s (local.get $abs) (i32x4.splat (i32.const 0x38800000)))))
            (local.set $sub (i32x4.sub (f32x4.add (local.get $absh) (f32x4.splat (f32.const 0.5))) (i32x4.splat (i32.const 0x3f000000))))
            (local.set $big (v128.bitselect (i32x4.splat (i32.const 0x7e00)) (i32x4.splat (i32.const 0x7c00)) (i32x4.gt_s (local.get $absh) (i32x4.splat (i32.const 0x7f800000)))))
            (local.set $normalh (v128.bitselect (local.get $sub) (v128.bitselect (local.get $normalh) (local.get $big) (i32x4.lt_s (local.get $absh) (i32x4.splat (i32.const 0x477ff000)))) (i32x4.lt_s (local.get $absh) (i32x4.splat (i32.const 0x38800000)))))))
        (local.set $lo (v128.or (v128.and (i32x4.shr_u (local.get $x) (i32.const 16)) (i32x4.splat (i32.const 0x8000))) (local.get $normal)))
        (local.set $hi (v128.or (v128.and (i32x4.shr_u (local.get $xh) (i32.const 16)) (i32x4.splat (i32.const 0x8000))) (local.get $normalh)))
        (v128.store (i32.add (local.get $out) (local.get $off)) (i16x8.narrow_i32x4_u (local.get $lo) (local.get $hi)))
        (local.set $off (i32.add (local.get $off) (i32.const 16)))
        (br $values)))))
