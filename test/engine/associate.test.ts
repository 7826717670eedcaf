import { describe, expect, it } from 'vitest';
import { associatePlates, containment, MIN_CONTAINMENT, pairQuality } from '../../src/engine/associate.js';
import type { Box } from '../../src/engine/types.js';

const box = (xmin: number, ymin: number, xmax: number, ymax: number): Box => ({ xmin, ymin, xmax, ymax });

describe('plate-vehicle association', () => {
  it('measures how much of the plate lies inside the vehicle', () => {
    expect(containment(box(10, 10, 20, 20), box(0, 0, 100, 100))).toBe(1);
    expect(containment(box(90, 10, 110, 20), box(0, 0, 100, 100))).toBe(0.5);
    expect(containment(box(200, 200, 210, 210), box(0, 0, 100, 100))).toBe(0);
    expect(containment(box(5, 5, 5, 5), box(0, 0, 100, 100))).toBe(0);
  });

  it('a plate mostly outside a vehicle does not belong to it', () => {
    const v = { box: box(0, 0, 100, 100), score: 0.9 };
    expect(pairQuality(box(80, 80, 120, 90), v)).toBe(0); // half outside
    expect(pairQuality(box(40, 80, 60, 90), v)).toBeGreaterThan(0);
    expect(MIN_CONTAINMENT).toBeGreaterThan(0.5);
  });

  it('gives -1 to plates on no vehicle', () => {
    expect(associatePlates([box(10, 10, 20, 15)], [])).toEqual([-1]);
    expect(associatePlates([box(500, 500, 520, 510)], [{ box: box(0, 0, 100, 100), score: 0.9 }])).toEqual([-1]);
  });

  it('two cars, two plates: each plate to the car it sits on, even where the boxes overlap', () => {
    const cars = [
      { box: box(0, 0, 200, 150), score: 0.9 },
      { box: box(150, 20, 350, 170), score: 0.8 },
    ];
    // The second car's plate lies inside both boxes; it is central and low in the second car.
    const plates = [box(80, 110, 120, 125), box(230, 130, 270, 145)];
    expect(associatePlates(plates, cars)).toEqual([0, 1]);
  });

  it('prefers the tight vehicle box where the plate is central over a loose one around it', () => {
    const vehicles = [
      { box: box(0, 0, 400, 300), score: 0.6 }, // a loose box around a car and its neighbour
      { box: box(200, 50, 380, 250), score: 0.6 },
    ];
    expect(associatePlates([box(270, 200, 310, 215)], vehicles)).toEqual([1]);
  });

  it('a plate whose only vehicle is taken still shares it (trailer plates on one truck box)', () => {
    const truck = [{ box: box(0, 0, 400, 200), score: 0.9 }];
    expect(associatePlates([box(180, 150, 220, 165), box(50, 160, 90, 175)], truck)).toEqual([0, 0]);
  });
});
