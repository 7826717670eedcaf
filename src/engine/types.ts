/**
 * The engine's contract with the rest of the service. Pure data: no HTTP, no queue. The service layer turns
 * an EngineResult into the wire response (src/services/recognition/response.ts).
 */
export interface Box {
  xmin: number;
  ymin: number;
  xmax: number;
  ymax: number;
}

export type Mode = 'regular' | 'fast' | 'redaction';

export interface RecogniseOptions {
  mode: Mode;
  /** Vendor region codes given as hints (`us-ca`, `br`, `gb`), lower-case. */
  regions: string[];
  /** `config.region = "strict"`: keep only reads matching a template of `regions` / `textFormats`. */
  regionStrict: boolean;
  /** Detection threshold (`config.threshold_d`); undefined = engine default. */
  thresholdD?: number;
  /** OCR threshold (`config.threshold_o`); undefined = engine default. */
  thresholdO?: number;
  /** `config.text_formats`: regexes over lower-case plate text. */
  textFormats: string[];
  /** `mmc=true`: also predict orientation (and colour / make-model where a model supports it). */
  mmc: boolean;
  /** `config.detection_rule = "strict"`: drop plates outside any vehicle. */
  detectionRule: 'default' | 'strict';
  /** `config.detection_mode = "vehicle"`: also return vehicles without plates. */
  detectionMode: 'plate' | 'vehicle';
}

export interface Scored<T extends string = string> {
  score: number;
  value: T;
}

export interface Candidate {
  plate: string;
  score: number;
}

export const VEHICLE_TYPES = [
  'Big Truck',
  'Bus',
  'Motorcycle',
  'Pickup Truck',
  'Sedan',
  'SUV',
  'Van',
  'Unknown',
] as const;
export type VehicleType = (typeof VEHICLE_TYPES)[number];

export interface Vehicle {
  score: number;
  type: VehicleType;
  box: Box;
  orientation?: Array<{ orientation: 'Front' | 'Rear' | 'Unknown'; score: number }>;
  color?: Array<{ color: string; score: number }>;
  modelMake?: Array<{ make: string; model: string; score: number }>;
}

export interface PlateRead {
  box: Box;
  /** Lower-case plate text, candidates[0].plate. */
  plate: string;
  score: number;
  dscore: number;
  candidates: Candidate[];
  region: { code: string; score: number };
  vehicle: Vehicle;
}

export interface EngineTimings {
  decodeMs: number;
  detectMs: number;
  readMs: number;
  vehicleMs: number;
  /** Time inside onnxruntime `session.run()` calls, a subset of the above. */
  modelMs: number;
  totalMs: number;
}

export interface EngineResult {
  width: number;
  height: number;
  plates: PlateRead[];
  /** Vehicles with no plate (only filled with detectionMode = 'vehicle'). */
  vehicles: Vehicle[];
  timings: EngineTimings;
}

export interface Engine {
  /** Throws InvalidImageError / PayloadTooLargeError (src/errors.ts) for bad images. */
  recognise(image: Uint8Array, options: RecogniseOptions): Promise<EngineResult>;
  /** True once every model is loaded. */
  ready(): boolean;
  close(): Promise<void>;
}

export const DEFAULT_RECOGNISE_OPTIONS: RecogniseOptions = {
  mode: 'regular',
  regions: [],
  regionStrict: false,
  textFormats: [],
  mmc: false,
  detectionRule: 'default',
  detectionMode: 'plate',
};
