#!/usr/bin/python3
"""load_fashion_mnist.py - read Fashion-MNIST IDX files for the quickstart.

Python standard library only (gzip + struct).  The IDX format: a big-endian
header (magic 0x00000803 for images, 0x00000801 for labels, then one uint32
per dimension), then the uint8 data.  Fashion-MNIST images are 28x28, so a
row is a 784-dimensional vector of pixel values 0..255.

Modes (IMAGES and LABELS are .gz IDX files):

  count  IMAGES LABELS         print the number of images
  copy   IMAGES LABELS         write COPY text rows "id<TAB>label<TAB>[p,...]"
                               to stdout, id = 0-based position in the file
  vector IMAGES LABELS INDEX   print "label<TAB>[p,...]" for image INDEX
"""

import gzip
import struct
import sys

IMAGES_MAGIC = 0x00000803
LABELS_MAGIC = 0x00000801

# Text of every byte value, looked up instead of formatted per pixel.
PIXEL_TEXT = [str(v) for v in range(256)]


def die(message):
    sys.stderr.write("load_fashion_mnist: %s\n" % message)
    sys.exit(1)


def open_images(path):
    """Return (file positioned at the pixels, count, pixels per image)."""
    f = gzip.open(path, "rb")
    magic, count, rows, cols = struct.unpack(">IIII", f.read(16))
    if magic != IMAGES_MAGIC:
        die("%s: not an IDX image file (magic 0x%08x)" % (path, magic))
    return f, count, rows * cols


def read_labels(path):
    with gzip.open(path, "rb") as f:
        magic, count = struct.unpack(">II", f.read(8))
        if magic != LABELS_MAGIC:
            die("%s: not an IDX label file (magic 0x%08x)" % (path, magic))
        labels = f.read(count)
    if len(labels) != count:
        die("%s: expected %d labels, found %d" % (path, count, len(labels)))
    return labels


def vector_text(pixels):
    return "[" + ",".join(map(PIXEL_TEXT.__getitem__, pixels)) + "]"


def open_pair(images_path, labels_path):
    images, count, size = open_images(images_path)
    labels = read_labels(labels_path)
    if len(labels) != count:
        die("%d images but %d labels" % (count, len(labels)))
    return images, labels, count, size


def cmd_count(images_path, labels_path):
    images, _, count, _ = open_pair(images_path, labels_path)
    images.close()
    print(count)


def cmd_copy(images_path, labels_path):
    images, labels, count, size = open_pair(images_path, labels_path)
    out = sys.stdout
    batch = []
    for i in range(count):
        pixels = images.read(size)
        if len(pixels) != size:
            die("%s: truncated at image %d" % (images_path, i))
        batch.append("%d\t%d\t%s\n" % (i, labels[i], vector_text(pixels)))
        if len(batch) == 1000:
            out.write("".join(batch))
            batch = []
    out.write("".join(batch))
    out.flush()
    images.close()


def cmd_vector(images_path, labels_path, index):
    images, labels, count, size = open_pair(images_path, labels_path)
    if not 0 <= index < count:
        die("index %d out of range 0..%d" % (index, count - 1))
    images.seek(16 + index * size)
    print("%d\t%s" % (labels[index], vector_text(images.read(size))))
    images.close()


def main(argv):
    if len(argv) == 3 and argv[0] == "count":
        cmd_count(argv[1], argv[2])
    elif len(argv) == 3 and argv[0] == "copy":
        cmd_copy(argv[1], argv[2])
    elif len(argv) == 4 and argv[0] == "vector":
        cmd_vector(argv[1], argv[2], int(argv[3]))
    else:
        sys.stderr.write(__doc__)
        sys.exit(2)


if __name__ == "__main__":
    try:
        main(sys.argv[1:])
    except BrokenPipeError:
        # the reader (psql) went away; it reports its own error
        sys.exit(1)
