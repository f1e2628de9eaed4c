#!/usr/bin/python3
"""Writes PyTorch state dicts of the seed's ConvLSTM as safetensors files, plus PyTorch's outputs
on random inputs, for gridcast's `convert` parity test (test/pipeline/convert/convert.test.ts).

Run with Debian's Python (it has torch 1.13, which has no safetensors module, so the format is
written by hand: u64 little-endian header length, JSON header padded with spaces to 8 bytes,
raw little-endian float32 data):  /usr/bin/python3 make_torch_files.py OUT_DIR

The ConvLSTM is the seed's own code (imported from test/fixtures/torch/make_golden.py, which
copies it verbatim). For each case OUT_DIR/<case>.safetensors holds the state dict as a user
would save it, and OUT_DIR/<case>.reference.safetensors holds `x` (batch first), `out.{j}` (every
layer's output), `h.{j}`/`c.{j}` (last states) and, when the case has a head, `forecast` =
head(features[:, -t_out:]) — features being the last layer's output or, with return_all_layers,
every layer's output concatenated on channels. The forward pass runs in float64 from the float32
weights and inputs, so the reference adds no float32 rounding of its own.
"""
import json
import os
import struct
import sys

import torch
import torch.nn as nn

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'fixtures', 'torch'))
from make_golden import ConvLSTM  # noqa: E402  (the seed's class)


def write_safetensors(path, tensors):
    header, blobs, offset = {}, [], 0
    for name, t in tensors.items():
        data = t.detach().to(torch.float32).contiguous().numpy().astype('<f4').tobytes()
        header[name] = {'dtype': 'F32', 'shape': list(t.shape), 'data_offsets': [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    header['__metadata__'] = {'format': 'pt'}
    text = json.dumps(header).encode('utf-8')
    text += b' ' * ((8 - len(text) % 8) % 8)
    with open(path, 'wb') as f:
        f.write(struct.pack('<Q', len(text)))
        f.write(text)
        for b in blobs:
            f.write(b)


CASES = [
    # a wrapping module (keys under 'convlstm.'), a trained 1x1 conv head over every layer's output,
    # non-square grid and kernels, two layers of different sizes
    dict(case='wrapped-with-head', input_dim=3, hidden_dim=[4, 6], kernel_size=[(3, 3), (1, 5)], num_layers=2,
         bias=True, prefix='convlstm.', head=True, return_all_layers=True, t_out=2, out_dim=2, x=(2, 4, 3, 7, 10)),
    # the plain state dict, three layers, no bias, no head (identity head)
    dict(case='plain-three-layers', input_dim=2, hidden_dim=[3, 5, 4], kernel_size=[(3, 3), (5, 3), (3, 1)], num_layers=3,
         bias=False, prefix='', head=False, return_all_layers=False, t_out=2, out_dim=2, x=(2, 3, 2, 6, 5)),
    # one layer, hidden 4, 3x3: the shape of the tiny pipeline config (2 channels), for convert --config and train --init
    dict(case='tiny-one-layer', input_dim=2, hidden_dim=[4], kernel_size=[(3, 3)], num_layers=1,
         bias=True, prefix='', head=False, return_all_layers=False, t_out=2, out_dim=2, x=(1, 3, 2, 12, 12)),
]


def main(out_dir):
    os.makedirs(out_dir, exist_ok=True)
    for k, spec in enumerate(CASES):
        torch.manual_seed(4321 + k)
        net = ConvLSTM(spec['input_dim'], spec['hidden_dim'], spec['kernel_size'], spec['num_layers'], True, spec['bias'], True)
        with torch.no_grad():
            for p in net.parameters():
                p.uniform_(-0.5, 0.5)
        feats = sum(spec['hidden_dim']) if spec['return_all_layers'] else spec['hidden_dim'][-1]
        head = nn.Conv2d(feats, spec['out_dim'], 1) if spec['head'] else None
        x = torch.randn(*spec['x'])
        state = {spec['prefix'] + name: v.clone() for name, v in net.state_dict().items()}
        if head is not None:
            state.update({'head.' + name: v.clone() for name, v in head.state_dict().items()})
        write_safetensors(os.path.join(out_dir, spec['case'] + '.safetensors'), state)
        with torch.no_grad():
            outs, states = net.double()(x.double())
            ref = {'x': x}
            for j, o in enumerate(outs):
                ref[f'out.{j}'] = o
            for j, (h, c) in enumerate(states):
                ref[f'h.{j}'] = h
                ref[f'c.{j}'] = c
            if head is not None:
                f = torch.cat(outs, 2) if spec['return_all_layers'] else outs[-1]
                f = f[:, -spec['t_out']:]
                b, t, ch, hh, ww = f.shape
                y = head.double()(f.reshape(b * t, ch, hh, ww))
                ref['forecast'] = y.reshape(b, t, spec['out_dim'], hh, ww)
        write_safetensors(os.path.join(out_dir, spec['case'] + '.reference.safetensors'), ref)
    # a file with other key names: a plain nn.LSTM's state dict
    write_safetensors(os.path.join(out_dir, 'other-keys.safetensors'), dict(nn.LSTM(3, 4).state_dict()))


if __name__ == '__main__':
    main(sys.argv[1])
