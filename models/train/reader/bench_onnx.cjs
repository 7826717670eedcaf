// Single-threaded onnxruntime-node latency check for the plate reader (run from the repo root):
//   node models/train/reader/bench_onnx.cjs [models/plate-reader.onnx] [inputs.bin]
// Prints ms per crop at batch 1 and batch 8; if inputs.bin (float32 [N,1,64,192]) is given, also writes
// the greedy-decoded strings for those inputs to stdout as JSON (used to check ONNX == PyTorch).
const ort = require('onnxruntime-node');
const fs = require('fs');

const ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ';

function decode(data, B, T, C) {
  const out = [];
  for (let b = 0; b < B; b++) {
    let s = '';
    let prev = 0;
    for (let t = 0; t < T; t++) {
      let best = 0;
      let bv = -Infinity;
      for (let c = 0; c < C; c++) {
        const v = data[(b * T + t) * C + c];
        if (v > bv) { bv = v; best = c; }
      }
      if (best !== prev && best !== 0) s += ALPHABET[best - 1];
      prev = best;
    }
    out.push(s);
  }
  return out;
}

(async () => {
  const file = process.argv[2] || 'models/plate-reader.onnx';
  const sess = await ort.InferenceSession.create(file, {
    intraOpNumThreads: 1, interOpNumThreads: 1, executionMode: 'sequential', graphOptimizationLevel: 'all',
  });
  const res = { inputs: sess.inputNames, outputs: sess.outputNames };
  for (const B of [1, 8]) {
    const x = new Float32Array(B * 64 * 192).map(() => Math.random());
    const feeds = { images: new ort.Tensor('float32', x, [B, 1, 64, 192]) };
    for (let i = 0; i < 5; i++) await sess.run(feeds);
    const n = B === 1 ? 60 : 15;
    const t0 = process.hrtime.bigint();
    let out;
    for (let i = 0; i < n; i++) out = await sess.run(feeds);
    const ms = Number(process.hrtime.bigint() - t0) / 1e6 / n / B;
    res[`ms_per_crop_b${B}`] = +ms.toFixed(3);
    res.output_dims = out.logits.dims;
  }
  if (process.argv[3]) {
    const buf = fs.readFileSync(process.argv[3]);
    const x = new Float32Array(buf.buffer, buf.byteOffset, buf.byteLength / 4);
    const N = x.length / (64 * 192);
    const out = await sess.run({ images: new ort.Tensor('float32', x, [N, 1, 64, 192]) });
    const [B, T, C] = out.logits.dims;
    res.decoded = decode(out.logits.data, B, T, C);
  }
  console.log(JSON.stringify(res));
})();
