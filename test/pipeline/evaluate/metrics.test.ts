import { describe, expect, it } from 'vitest';
import { MetricsAccumulator } from '../../../pipeline/evaluate/metrics.js';
import { latitudeWeights } from '../../../pipeline/evaluate/area-weights.js';
import { mulberry32 } from '../../../datasets/rng.js';
import { debianPython, run } from '../../helpers.js';

/** The same metrics computed independently with numpy, written from the definitions. */
const REFERENCE = `
import json, sys, numpy as np
d = json.load(sys.stdin)
N, T, C, H, W = d['shape']
f = np.array(d['f'], dtype=np.float64).reshape(N, T, C, H, W)
o = np.array(d['o'], dtype=np.float64).reshape(N, T, C, H, W)
p = np.array(d['p'], dtype=np.float64).reshape(N, 1, C, H, W)
cl = np.array(d['clim'], dtype=np.float64).reshape(1, 1, C, H, W)
lat = np.array(d['lat'])
half = abs(lat[1] - lat[0]) / 2
w = np.sin(np.deg2rad(np.clip(lat + half, -90, 90))) - np.sin(np.deg2rad(np.clip(lat - half, -90, 90)))
w = w / w.mean()
wgt = np.broadcast_to(w[None, None, None, :, None], f.shape)
def frac(x, thr, n):
    b = np.where(np.isfinite(x) & (x >= thr), 1.0, 0.0)
    r = n // 2
    pad = np.pad(b, ((r, n - 1 - r), (r, n - 1 - r)))
    out = np.zeros_like(b)
    for i in range(b.shape[0]):
        for j in range(b.shape[1]):
            out[i, j] = pad[i:i + n, j:j + n].sum() / (n * n)
    return out
res = []
for c in range(C):
    for k in range(T):
        fs, os_, ps, ws = f[:, k, c], o[:, k, c], np.broadcast_to(p[:, 0, c], f[:, k, c].shape), wgt[:, k, c]
        cs = np.broadcast_to(cl[0, 0, c], fs.shape)
        m = np.isfinite(fs) & np.isfinite(os_)
        e = (fs - os_)[m]
        af, ao = (fs - cs)[m], (os_ - cs)[m]
        ww = ws[m]
        mse = np.mean(e ** 2)
        r = dict(rmse=float(np.sqrt(mse)), mae=float(np.mean(abs(e))), bias=float(np.mean(e)),
                 wrmse=float(np.sqrt(np.sum(ww * e ** 2) / np.sum(ww))),
                 acc=float(np.sum(ww * af * ao) / np.sqrt(np.sum(ww * af ** 2) * np.sum(ww * ao ** 2))),
                 skill_p=float(1 - mse / np.mean((ps[m] - os_[m]) ** 2)),
                 skill_c=float(1 - mse / np.mean((cs[m] - os_[m]) ** 2)))
        thr, n = d['thr'], d['win']
        fe, oe = (fs >= thr) & m, (os_ >= thr) & m
        hits, misses, fa = np.sum(fe & oe), np.sum(~fe & oe & m), np.sum(fe & ~oe & m)
        r['csi'] = float(hits / (hits + misses + fa)); r['pod'] = float(hits / (hits + misses)); r['far'] = float(fa / (hits + fa))
        num = den = 0.0
        for b in range(N):
            pf, po = frac(fs[b], thr, n), frac(os_[b], thr, n)
            num += np.sum((pf - po) ** 2); den += np.sum(pf ** 2) + np.sum(po ** 2)
        r['fss'] = float(1 - num / den)
        res.append(r)
print(json.dumps(res))
`;

describe('verification metrics', () => {
  it('agree with an independent numpy computation', () => {
    const [N, T, C, H, W] = [3, 2, 2, 6, 7];
    const rng = mulberry32(7);
    const size = N * T * C * H * W;
    const o = Float32Array.from({ length: size }, () => rng() * 4);
    const f = Float32Array.from(o, (v) => v + (rng() - 0.4));
    const p = Float32Array.from({ length: N * C * H * W }, () => rng() * 4);
    const clim = Float32Array.from({ length: C * H * W }, () => 2 + rng() * 0.2);
    o[5] = NaN;
    f[17] = NaN;
    const lat = Array.from({ length: H }, (_, i) => 60 - i * 2.5);
    const acc = new MetricsAccumulator({
      channels: [{ name: 'a' }, { name: 'b' }], tOut: T, height: H, width: W, lat, geographic: true, climatology: clim,
      thresholds: [{ channel: 'a', thresholds: [2], windows: [3] }, { channel: 'b', thresholds: [2], windows: [3] }],
    });
    acc.add(f.subarray(0, f.length / N), o.subarray(0, o.length / N), p.subarray(0, p.length / N), 1);
    acc.add(f.subarray(f.length / N), o.subarray(o.length / N), p.subarray(p.length / N), N - 1);
    const ours = acc.result();
    const json = (a: Float32Array) => Array.from(a, (v) => (Number.isNaN(v) ? null : v));
    const input = JSON.stringify({ shape: [N, T, C, H, W], f: json(f), o: json(o), p: json(p), clim: json(clim), lat, thr: 2, win: 3 }).replace(/null/g, 'NaN');
    const ref = JSON.parse(run(debianPython, ['-c', REFERENCE], { input }));
    let i = 0;
    for (const ch of ours) {
      for (const l of ch.leads) {
        const r = ref[i++];
        expect(l.rmse).toBeCloseTo(r.rmse, 5);
        expect(l.mae).toBeCloseTo(r.mae, 5);
        expect(l.bias).toBeCloseTo(r.bias, 5);
        expect(l.weightedRmse).toBeCloseTo(r.wrmse, 5);
        expect(l.acc).toBeCloseTo(r.acc, 5);
        expect(l.skillVsPersistence).toBeCloseTo(r.skill_p, 5);
        expect(l.skillVsClimatology).toBeCloseTo(r.skill_c, 5);
        const cat = l.categorical![0];
        expect(cat.csi).toBeCloseTo(r.csi, 6);
        expect(cat.pod).toBeCloseTo(r.pod, 6);
        expect(cat.far).toBeCloseTo(r.far, 6);
        expect(cat.fss['3']).toBeCloseTo(r.fss, 6);
      }
    }
  });

  it('weights rows by cell area, normalised to mean 1', () => {
    const lat = Array.from({ length: 180 }, (_, i) => 89.5 - i);
    const w = latitudeWeights(lat, true);
    expect(w.reduce((a, b) => a + b, 0) / 180).toBeCloseTo(1, 12);
    // cos(0.5°) / cos(89.5°) ≈ 114.6: equatorial cells are that much larger than polar ones
    expect(w[89] / w[0]).toBeCloseTo(Math.cos(Math.PI / 360) / Math.cos((89.5 * Math.PI) / 180), 3);
    expect(Array.from(latitudeWeights([1, 2], false))).toEqual([1, 1]);
  });
});
