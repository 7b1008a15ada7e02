#-------------------------------------------------------------------------
# train.py
#	Train the embedding network (model.py) on Fashion-MNIST training
#	images on the CPU and save its weights.
#
#	/usr/bin/python3 train.py --out out/model.pt            # full: 60,000 images, 4 epochs
#	/usr/bin/python3 train.py --out out/ci/model.pt --train-size 600 --epochs 1
#
# Skips the work when the weights file already exists (use --force to
# retrain).  Training is seeded, so a rerun gives the same weights on the
# same machine.  Only the training split is used for learning; the test
# split is used once at the end to report classification accuracy.
#-------------------------------------------------------------------------
import argparse
import os
import sys
import time

import numpy as np
import torch
from torch import nn

import fmnist
import model as modelmod
from progress import Progress

DEFAULT_EPOCHS = 4
DEFAULT_BATCH = 128
DEFAULT_LR = 2e-3
DEFAULT_SEED = 1234


def train(out, train_size=None, epochs=DEFAULT_EPOCHS, batch_size=DEFAULT_BATCH,
          lr=DEFAULT_LR, seed=DEFAULT_SEED, force=False, log=sys.stderr):
    """Train and save to `out`; return the meta dict stored with the weights."""
    if os.path.exists(out) and not force:
        _, meta = modelmod.load(out)
        print(f"train: {out} exists (trained on {meta.get('train_size')} images, "
              f"{meta.get('epochs')} epochs, test accuracy "
              f"{meta.get('test_accuracy', float('nan')):.3f}); skipping", file=log)
        return meta

    modelmod.set_threads()
    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)

    images, labels = fmnist.load("train")
    if train_size is not None and train_size < len(images):
        # A class-balanced-enough random subset, the same on every run.
        pick = np.sort(rng.choice(len(images), size=train_size, replace=False))
        images, labels = images[pick], labels[pick]
    x_all = torch.from_numpy(fmnist.normalized(images))
    y_all = torch.from_numpy(labels.astype(np.int64))

    net = modelmod.EmbeddingNet()
    opt = torch.optim.AdamW(net.parameters(), lr=lr, weight_decay=1e-4)
    steps_per_epoch = (len(x_all) + batch_size - 1) // batch_size
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=lr, epochs=epochs,
                                                steps_per_epoch=steps_per_epoch)
    loss_fn = nn.CrossEntropyLoss()
    t0 = time.monotonic()
    for epoch in range(1, epochs + 1):
        net.train()
        order = torch.from_numpy(rng.permutation(len(x_all)))
        bar = Progress(len(x_all), f"train epoch {epoch}/{epochs}", unit="images")
        total_loss, correct = 0.0, 0
        for start in range(0, len(x_all), batch_size):
            idx = order[start:start + batch_size]
            x, y = x_all[idx], y_all[idx]
            # Light augmentation: random horizontal flips (garments are
            # left-right symmetric enough; labels do not change).
            flip = torch.rand(len(x)) < 0.5
            x = torch.where(flip[:, None, None, None], x.flip(3), x)
            opt.zero_grad(set_to_none=True)
            logits = net(x)
            loss = loss_fn(logits, y)
            loss.backward()
            opt.step()
            sched.step()
            total_loss += loss.item() * len(x)
            correct += (logits.argmax(1) == y).sum().item()
            bar.update(len(x))
        bar.close()
        print(f"train: epoch {epoch}: loss {total_loss / len(x_all):.4f}, "
              f"train accuracy {correct / len(x_all):.3f}", file=log)

    test_images, test_labels = fmnist.load("test")
    net.eval()
    with torch.no_grad():
        preds = []
        for start in range(0, len(test_images), 1000):
            x = torch.from_numpy(fmnist.normalized(test_images[start:start + 1000]))
            preds.append(net(x).argmax(1).numpy())
    accuracy = float((np.concatenate(preds) == test_labels).mean())
    seconds = time.monotonic() - t0
    meta = {"train_size": len(x_all), "epochs": epochs, "seed": seed,
            "test_accuracy": accuracy, "train_seconds": round(seconds, 1)}
    modelmod.save(net, out, meta)
    print(f"train: test accuracy {accuracy:.3f} after {seconds:.0f} s; "
          f"weights saved to {out}", file=log)
    return meta


def main(argv=None):
    ap = argparse.ArgumentParser(description="Train the Fashion-MNIST embedding network.")
    ap.add_argument("--out", required=True, help="weights file to write")
    ap.add_argument("--train-size", type=int, default=None,
                    help="use a seeded random subset of this many training images")
    ap.add_argument("--epochs", type=int, default=DEFAULT_EPOCHS)
    ap.add_argument("--batch-size", type=int, default=DEFAULT_BATCH)
    ap.add_argument("--lr", type=float, default=DEFAULT_LR)
    ap.add_argument("--seed", type=int, default=DEFAULT_SEED)
    ap.add_argument("--force", action="store_true", help="retrain even if --out exists")
    args = ap.parse_args(argv)
    train(args.out, args.train_size, args.epochs, args.batch_size, args.lr,
          args.seed, args.force)


if __name__ == "__main__":
    main()
