#-------------------------------------------------------------------------
# model.py
#	The small convolutional network whose penultimate layer is the image
#	embedding, and helpers to save, load and run it.
#
# Architecture (about 0.42 M parameters; one epoch over the 60,000
# training images takes about 30 s on 2 CPU cores with OpenBLAS):
#
#   28x28x1 -> conv3x3(32) BN ReLU -> maxpool   -> 14x14x32
#           -> conv3x3(64) BN ReLU -> maxpool   ->  7x7x64 -> flatten 3136
#           -> linear(EMBED_DIM)                <- the embedding (pre-activation)
#           -> ReLU, dropout, linear(10)        -> class logits
#
# The embedding is the output of the penultimate linear layer before its
# ReLU: all EMBED_DIM coordinates carry signal and a vector is never all
# zeros, so its cosine distance is always defined.  The classifier on top
# is a linear map of ReLU(embedding), so images of one class end up in
# the same *direction*, while the vector's length mostly tracks contrast
# and confidence: that is why the table is indexed with vector_cosine_ops
# (see README.md, "Which distance").
#-------------------------------------------------------------------------
import hashlib
import os

import numpy as np
import torch
from torch import nn

import fmnist

EMBED_DIM = 128
NUM_CLASSES = 10


class EmbeddingNet(nn.Module):
    """Small CNN; forward() returns logits, embed() the penultimate layer."""

    def __init__(self, embed_dim=EMBED_DIM, width=32):
        super().__init__()

        def block(cin, cout):
            return [nn.Conv2d(cin, cout, 3, padding=1, bias=False),
                    nn.BatchNorm2d(cout), nn.ReLU(inplace=True)]

        self.features = nn.Sequential(
            *block(1, width), nn.MaxPool2d(2),
            *block(width, 2 * width), nn.MaxPool2d(2),
            nn.Flatten(),
        )
        self.embedding = nn.Linear(2 * width * 7 * 7, embed_dim)
        self.head = nn.Sequential(nn.ReLU(), nn.Dropout(0.2),
                                  nn.Linear(embed_dim, NUM_CLASSES))
        self.embed_dim = embed_dim
        self.width = width

    def embed(self, x):
        return self.embedding(self.features(x))

    def forward(self, x):
        return self.head(self.embed(x))


def set_threads():
    """Use every core: some builds start with a single intra-op thread."""
    torch.set_num_threads(max(1, len(os.sched_getaffinity(0))))


def save(model, path, meta):
    """Save weights and the few facts needed to rebuild the network."""
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    tmp = path + ".tmp"
    torch.save({"state_dict": model.state_dict(),
                "embed_dim": model.embed_dim,
                "width": model.width,
                "meta": meta}, tmp)
    os.replace(tmp, path)          # never leave a half-written file behind


def load(path):
    """Return (model in eval mode, meta dict) from a file written by save()."""
    ckpt = torch.load(path, map_location="cpu")
    model = EmbeddingNet(ckpt["embed_dim"], ckpt["width"])
    model.load_state_dict(ckpt["state_dict"])
    model.eval()
    return model, ckpt.get("meta", {})


def fingerprint(path):
    """Short hash of a weights file: stored with the embeddings it made."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()[:16]


@torch.no_grad()
def embed_images(model, images, batch_size=1000):
    """Embeddings [N, D] float32 of uint8 images [N, 28, 28]."""
    out = []
    for start in range(0, len(images), batch_size):
        x = torch.from_numpy(fmnist.normalized(images[start:start + batch_size]))
        out.append(model.embed(x).numpy())
    if not out:
        return np.zeros((0, model.embed_dim), dtype=np.float32)
    return np.concatenate(out).astype(np.float32)
