/**
 * A minimal ONNX (protobuf) writer for test models: enough of ModelProto to build tiny graphs that honour
 * the detector/reader I/O contracts with fixed outputs, so the pipeline and the worker pool are tested
 * without the trained models. Field numbers follow onnx/onnx.proto.
 */
type Field = Uint8Array;

function varint(n: number | bigint): number[] {
  let v = BigInt.asUintN(64, BigInt(n));
  const out: number[] = [];
  do {
    let b = Number(v & 0x7fn);
    v >>= 7n;
    if (v > 0n) b |= 0x80;
    out.push(b);
  } while (v > 0n);
  return out;
}

const key = (field: number, wire: number): number[] => varint((field << 3) | wire);
const concat = (parts: Field[]): Field => {
  const out = new Uint8Array(parts.reduce((s, p) => s + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
};
const int = (field: number, n: number | bigint): Field => Uint8Array.from([...key(field, 0), ...varint(n)]);
const bytes = (field: number, b: Field): Field => concat([Uint8Array.from([...key(field, 2), ...varint(b.length)]), b]);
const str = (field: number, s: string): Field => bytes(field, new TextEncoder().encode(s));
const msg = (field: number, parts: Field[]): Field => bytes(field, concat(parts));

const FLOAT = 1;
const UINT8 = 2;
const INT64 = 7;

export interface TensorInit {
  name: string;
  dims: number[];
  floats?: Float32Array;
  int64s?: number[];
}

function tensor(field: number, t: TensorInit): Field {
  const raw = t.floats
    ? new Uint8Array(t.floats.buffer, t.floats.byteOffset, t.floats.byteLength)
    : new Uint8Array(BigInt64Array.from((t.int64s ?? []).map(BigInt)).buffer);
  return msg(field, [...t.dims.map((d) => int(1, d)), int(2, t.floats ? FLOAT : INT64), str(8, t.name), bytes(9, raw)]);
}

/** A tensor value_info (float unless `uint8`); string dims are symbolic (dynamic). */
function valueInfo(field: number, name: string, dims: Array<number | string>, uint8 = false): Field {
  const dimMsgs = dims.map((d) => msg(1, [typeof d === 'number' ? int(1, d) : str(2, d)]));
  return msg(field, [str(1, name), msg(2, [msg(1, [int(1, uint8 ? UINT8 : FLOAT), msg(2, dimMsgs)])])]);
}

export interface NodeSpec {
  op: string;
  inputs: string[];
  outputs: string[];
  ints?: Record<string, number[]>;
  int?: Record<string, number>;
}

function node(n: NodeSpec, i: number): Field {
  const attrs = [
    ...Object.entries(n.ints ?? {}).map(([name, vals]) => msg(5, [str(1, name), ...vals.map((v) => int(8, v)), int(20, 7)])),
    ...Object.entries(n.int ?? {}).map(([name, v]) => msg(5, [str(1, name), int(3, v), int(20, 2)])),
  ];
  return msg(1, [...n.inputs.map((x) => str(1, x)), ...n.outputs.map((x) => str(2, x)), str(3, `n${i}`), str(4, n.op), ...attrs]);
}

export interface GraphSpec {
  inputs: Array<{ name: string; dims: Array<number | string>; uint8?: boolean }>;
  outputs: Array<{ name: string; dims: Array<number | string> }>;
  nodes: NodeSpec[];
  initializers: TensorInit[];
}

export function encodeModel(g: GraphSpec): Uint8Array {
  const graph = msg(7, [
    ...g.nodes.map(node),
    str(2, 'test'),
    ...g.initializers.map((t) => tensor(5, t)),
    ...g.inputs.map((x) => valueInfo(11, x.name, x.dims, x.uint8)),
    ...g.outputs.map((x) => valueInfo(12, x.name, x.dims)),
  ]);
  return concat([int(1, 8), str(2, 'platewise-test'), graph, msg(8, [str(1, ''), int(2, 13)])]);
}

/**
 * A graph whose outputs are constants (shape [1, ...rest]) broadcast over the input's batch: each output
 * depends on the input only through `mean(input) * 0`, so onnxruntime keeps the input wired. A `uint8`
 * input (the detectors' raw pixels) is cast to float first.
 */
export function constantOutputsModel(
  inputName: string,
  inputDims: Array<number | string>,
  outputs: Array<{ name: string; constant: Float32Array; dims: number[] }>,
  uint8 = false,
): Uint8Array {
  const floatInput = uint8 ? `${inputName}_float` : inputName;
  return encodeModel({
    inputs: [{ name: inputName, dims: inputDims, uint8 }],
    outputs: outputs.map((o) => ({ name: o.name, dims: ['batch', ...o.dims.slice(1)] })),
    initializers: [
      { name: 'zero', dims: [], floats: Float32Array.of(0) },
      ...outputs.flatMap((o, k) => [
        { name: `shape${k}`, dims: [o.dims.length], int64s: [-1, ...o.dims.slice(1).map(() => 1)] },
        { name: `constant${k}`, dims: o.dims, floats: o.constant },
      ]),
    ],
    nodes: [
      ...(uint8 ? [{ op: 'Cast', inputs: [inputName], outputs: [floatInput], int: { to: FLOAT } }] : []),
      { op: 'ReduceMean', inputs: [floatInput], outputs: ['m'], ints: { axes: [1, 2, 3] } },
      { op: 'Mul', inputs: ['m', 'zero'], outputs: ['z'] },
      ...outputs.flatMap((o, k) => [
        { op: 'Reshape', inputs: ['z', `shape${k}`], outputs: [`r${k}`] },
        { op: 'Add', inputs: [`r${k}`, `constant${k}`], outputs: [o.name] },
      ]),
    ],
  });
}

/** One constant output (see constantOutputsModel). */
export function constantModel(
  inputName: string,
  inputDims: Array<number | string>,
  outputName: string,
  constant: Float32Array,
  constDims: number[],
  uint8 = false,
): Uint8Array {
  return constantOutputsModel(inputName, inputDims, [{ name: outputName, constant, dims: constDims }], uint8);
}
