"""FastestDet (COCO, BSD-3) as a teacher: pre-labels vehicle boxes on photos whose vehicles nobody boxed.

Its output [1, 85, 22, 22] holds per cell: objectness (sigmoid applied), x/y offsets (tanh), w/h (sigmoid,
relative to the image) and 80 softmaxed class scores. The input is the photo stretched to 352x352.
"""
import os

import cv2
import numpy as np

TEACHER = os.path.join(os.path.dirname(__file__), "..", "..", "..", "..", "shared", "datasets", "teachers",
                       "fastestdet-coco", "FastestDet.onnx")
# COCO indices: car 2, motorcycle 3, bus 5, truck 7.
VEHICLE_CLASSES = {2: "car", 3: "motorcycle", 5: "bus", 7: "truck"}


class Teacher:
    def __init__(self, path=TEACHER, bgr=True):
        self.net = cv2.dnn.readNetFromONNX(os.path.abspath(path))
        self.bgr = bgr

    def __call__(self, img_bgr, thresh=0.5, nms_iou=0.45):
        """Vehicle boxes in image pixels: list of (x1, y1, x2, y2, score, coarse_class)."""
        h0, w0 = img_bgr.shape[:2]
        x = cv2.resize(img_bgr, (352, 352)).astype(np.float32) / 255.0
        if not self.bgr:
            x = x[:, :, ::-1]
        self.net.setInput(np.ascontiguousarray(x.transpose(2, 0, 1)[None]))
        fm = self.net.forward()[0].transpose(1, 2, 0)  # 22 x 22 x 85
        gh, gw = fm.shape[:2]
        cls = fm[..., 5:]
        cidx = cls.argmax(-1)
        score = fm[..., 0] ** 0.6 * cls.max(-1) ** 0.4
        out = []
        for gy, gx in zip(*np.nonzero(score > thresh)):
            c = int(cidx[gy, gx])
            if c not in VEHICLE_CLASSES:
                continue
            d = fm[gy, gx]
            cx = (gx + np.tanh(d[1])) / gw
            cy = (gy + np.tanh(d[2])) / gh
            bw = 1 / (1 + np.exp(-d[3]))
            bh = 1 / (1 + np.exp(-d[4]))
            out.append([max(0, (cx - bw / 2) * w0), max(0, (cy - bh / 2) * h0), min(w0, (cx + bw / 2) * w0),
                        min(h0, (cy + bh / 2) * h0), float(score[gy, gx]), VEHICLE_CLASSES[c]])
        return nms(out, nms_iou)


def iou(a, b):
    iw = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    ih = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = iw * ih
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / union if union > 0 else 0.0


def nms(boxes, thr):
    keep = []
    for b in sorted(boxes, key=lambda b: -b[4]):
        if all(iou(b, k) < thr for k in keep):
            keep.append(b)
    return keep
