#-------------------------------------------------------------------------
# fmnist.py
#	Read Fashion-MNIST from the IDX files that Debian's
#	dataset-fashion-mnist package installs; nothing is downloaded.
#
# IDX is a tiny big-endian container: a magic number whose third byte is
# the element type (0x08 = unsigned byte) and whose fourth byte is the
# number of dimensions, one uint32 per dimension, then the raw array.
#
# Image ids used by the whole example: the training image i has id i,
# the test image i has id 60000 + i (TEST_ID_OFFSET), so one integer names
# any image and `split` can be derived from it.
#-------------------------------------------------------------------------
import gzip
import os
import struct

import numpy as np

DATA_DIR = os.environ.get("FMNIST_DIR", "/usr/share/datasets/fashion-mnist")

FILES = {
    "train": ("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz"),
    "test": ("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"),
}

# Ids: train 0..59999, test 60000..69999.
TEST_ID_OFFSET = 60000

LABELS = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
          "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"]

# Per-pixel mean and standard deviation of the training set (pixels in
# [0, 1]); the network sees (x - MEAN) / STD.
PIXEL_MEAN = 0.2860
PIXEL_STD = 0.3530

IDX_UBYTE = 0x08


def read_idx(path):
    """Return the array stored in one (optionally gzipped) IDX file."""
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as f:
        data = f.read()
    zero, dtype, ndim = struct.unpack(">HBB", data[:4])
    if zero != 0 or dtype != IDX_UBYTE:
        raise ValueError(f"{path}: not an unsigned-byte IDX file "
                         f"(magic {data[:4].hex()})")
    shape = struct.unpack(f">{ndim}I", data[4:4 + 4 * ndim])
    body = data[4 + 4 * ndim:]
    expected = int(np.prod(shape))
    if len(body) != expected:
        raise ValueError(f"{path}: expected {expected} bytes of data, not {len(body)}")
    return np.frombuffer(body, dtype=np.uint8).reshape(shape)


def load(split, data_dir=DATA_DIR):
    """Return (images uint8 [N, 28, 28], labels uint8 [N]) for 'train' or 'test'."""
    if split not in FILES:
        raise ValueError(f"split must be 'train' or 'test', not {split!r}")
    images_file, labels_file = FILES[split]
    images = read_idx(os.path.join(data_dir, images_file))
    labels = read_idx(os.path.join(data_dir, labels_file))
    if len(images) != len(labels):
        raise ValueError(f"{split}: {len(images)} images but {len(labels)} labels")
    return images, labels


def image_id(split, index):
    """The example's id of image `index` of `split`."""
    return index + (TEST_ID_OFFSET if split == "test" else 0)


def split_of(image_id_):
    """(split, index) of an example id."""
    if image_id_ >= TEST_ID_OFFSET:
        return "test", image_id_ - TEST_ID_OFFSET
    return "train", image_id_


def pixels(images):
    """Raw-pixel vectors: [N, 784] float32 in [0, 1] (the baseline)."""
    return images.reshape(len(images), -1).astype(np.float32) / 255.0


def normalized(images):
    """Network input: [N, 1, 28, 28] float32, standardized."""
    x = images.astype(np.float32) / 255.0
    return ((x - PIXEL_MEAN) / PIXEL_STD)[:, None, :, :]
