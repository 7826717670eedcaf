// Usage: node models/train/detector/bench_ort.cjs models/plate-detector.onnx [size] [runs]
// Single-threaded onnxruntime-node latency of the detector on random uint8 pixels [1,size,size,3].
const path = require('path');
const ort = require(path.resolve(__dirname, '../../../node_modules/onnxruntime-node'));
(async () => {
  const file = process.argv[2];
  const sizes = (process.argv[3] || '640,416').split(',').map(Number);
  const runs = Number(process.argv[4] || 30);
  const sess = await ort.InferenceSession.create(file, { intraOpNumThreads: 1, interOpNumThreads: 1, graphOptimizationLevel: 'all' });
  for (const s of sizes) {
    const data = new Uint8Array(3 * s * s).map(() => Math.floor(Math.random() * 256));
    const feeds = { pixels: new ort.Tensor('uint8', data, [1, s, s, 3]) };
    for (let i = 0; i < 3; i++) await sess.run(feeds);
    const t = [];
    for (let i = 0; i < runs; i++) { const t0 = process.hrtime.bigint(); const out = await sess.run(feeds); t.push(Number(process.hrtime.bigint() - t0) / 1e6); if (i === 0) console.log(`size ${s}: output dims`, out.detections.dims); }
    t.sort((a, b) => a - b);
    console.log(`size ${s}: median ${t[Math.floor(t.length / 2)].toFixed(2)} ms, min ${t[0].toFixed(2)} ms`);
  }
})();
