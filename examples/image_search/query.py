#-------------------------------------------------------------------------
# query.py
#	Query by image: embed a test image (by id) or any PNG, find its 10
#	nearest training images with the HNSW index, and write a contact sheet
#	(PNG) and an HTML page with the query, the neighbours, their labels and
#	distances.
#
#	/usr/bin/python3 query.py --db image_search --weights out/model.pt --id 60042
#	/usr/bin/python3 query.py --db image_search --weights out/model.pt --png shoe.png
#	/usr/bin/python3 query.py ... --id 60042 --sql     # print the SQL for psql
#	/usr/bin/python3 query.py --id 60042 --export-png q.png   # a test image as PNG
#
# A PNG is converted to 8-bit grey and resized to 28x28.  Fashion-MNIST
# shows light garments on a black background; a picture whose border is
# mostly light is inverted first (--no-invert to keep it as it is).
#
# Bad input (an id that names no image, a file that is missing or not an
# image, no weights, no database, a table loaded by other weights) ends
# with one "query.py: error: ..." line and exit status 1, not a traceback.
#-------------------------------------------------------------------------
import argparse
import base64
import html
import io
import os
import sys

import numpy as np
import psycopg
from PIL import Image, ImageDraw, ImageFont, UnidentifiedImageError

import db
import fmnist
import model as modelmod

K = 10
DEFAULT_EF_SEARCH = 40
TILE = 112                    # pixels per side of one image on the sheet (4x)
FONT_PATH = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"

# The query: the same shape as evaluate.knn_sql, with the distance shown.
# ORDER BY the distance alias is the same sort key as ORDER BY the
# expression, so the HNSW index serves it.
KNN_SQL = ("SELECT id, label, embedding <=> {q} AS distance\n"
           "FROM images\n"
           "WHERE split = 'train'\n"
           "ORDER BY distance\n"
           "LIMIT {k};")


class QueryError(Exception):
    """A bad input or a missing prerequisite, reported without a traceback."""


def read_png(path, invert=None):
    """A PNG (or any image PIL reads) -> uint8 [28, 28], white-on-black."""
    if not os.path.isfile(path):
        raise QueryError(f"no such file: {path}")
    try:
        img = Image.open(path).convert("L")
    except (UnidentifiedImageError, OSError) as e:
        raise QueryError(f"cannot read {path} as an image: {e}") from None
    if img.size != (28, 28):
        img = img.resize((28, 28), Image.LANCZOS)
    arr = np.asarray(img, dtype=np.uint8)
    if invert is None:
        border = np.concatenate([arr[0], arr[-1], arr[:, 0], arr[:, -1]])
        invert = border.mean() > 127
    return 255 - arr if invert else arr


def image_by_id(image_id):
    """(pixels, label) of an example id: 0..59999 train, 60000..69999 test."""
    split, i = fmnist.split_of(image_id)
    images, labels = fmnist.load(split)
    if not 0 <= i < len(images):
        raise QueryError(f"no image with id {image_id} (training images are 0..59999, "
                         f"test images 60000..69999)")
    return images[i], int(labels[i])


def load_net(weights):
    """The network from its weights file, or a QueryError saying what to do."""
    if not os.path.isfile(weights):
        raise QueryError(f"no weights file {weights}: run examples/image_search/run.sh "
                         f"first, or give --weights")
    modelmod.set_threads()
    return modelmod.load(weights)[0]


def check_database(conn, dbname, weights):
    """The images table exists and holds embeddings made by these weights."""
    if not conn.execute("SELECT to_regclass('images') IS NOT NULL "
                        "AND to_regclass('image_search_meta') IS NOT NULL").fetchone()[0]:
        raise QueryError(f"database {dbname} has no images table: "
                         f"run examples/image_search/run.sh first")
    stored = conn.execute("SELECT value FROM image_search_meta "
                          "WHERE key = 'weights'").fetchone()
    if stored is None or stored[0] != modelmod.fingerprint(weights):
        raise QueryError(f"the embeddings in database {dbname} were made by other weights "
                         f"than {weights}: give the matching --db and --weights")


def knn(conn, vec, k=K, ef_search=DEFAULT_EF_SEARCH):
    conn.execute("SELECT set_config('hnsw.ef_search', %s, false)", (str(ef_search),))
    q = conn.execute(KNN_SQL.format(q="%s", k=int(k)), (vec,)).fetchall()
    return [(int(i), int(label), float(d)) for i, label, d in q]


def sql_text(vec, k=K, ef_search=DEFAULT_EF_SEARCH, image_id=None, label=None):
    """The exact statements a psql user runs for this query."""
    about = f"image {image_id}" if image_id is not None else "the query image"
    if label is not None:
        about += f" ({fmnist.LABELS[label]})"
    text = (f"-- the {k} training images nearest to {about}, by cosine distance\n"
            f"SET hnsw.ef_search = {int(ef_search)};\n"
            + KNN_SQL.format(q=f"'{db.vector_literal(vec)}'", k=int(k)) + "\n")
    if image_id is not None:
        text += ("-- the same for a stored test image, without copying its vector:\n"
                 "-- SELECT id, label, embedding <=> (SELECT embedding FROM images "
                 f"WHERE id = {image_id}) AS distance\n"
                 "--   FROM images WHERE split = 'train' ORDER BY distance LIMIT "
                 f"{int(k)};\n")
    return text


def _font(size):
    try:
        return ImageFont.truetype(FONT_PATH, size)
    except OSError:
        return ImageFont.load_default()


def _tile(pixels):
    return Image.fromarray(pixels).resize((TILE, TILE), Image.NEAREST).convert("RGB")


def contact_sheet(query_pixels, query_label, neighbours, title):
    """PNG contact sheet: the query on the left, the neighbours in a row.

    neighbours: [(id, label, distance, pixels uint8 [28, 28])]"""
    pad, text_h = 10, 48
    n = len(neighbours)
    width = pad + (TILE + pad) * (n + 1) + pad
    height = 30 + TILE + text_h + pad
    sheet = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(sheet)
    font, small = _font(13), _font(11)
    draw.text((pad, 8), title, fill="black", font=font)
    y = 30
    x = pad
    sheet.paste(_tile(query_pixels), (x, y))
    draw.rectangle([x - 3, y - 3, x + TILE + 2, y + TILE + 2], outline="blue", width=3)
    draw.text((x, y + TILE + 4), "query", fill="blue", font=small)
    draw.text((x, y + TILE + 18),
              fmnist.LABELS[query_label] if query_label is not None else "(no label)",
              fill="blue", font=small)
    x += TILE + 2 * pad
    for rank, (nid, label, dist, pixels) in enumerate(neighbours, 1):
        sheet.paste(_tile(pixels), (x, y))
        same = query_label is None or label == query_label
        colour = (0, 120, 0) if same else (200, 0, 0)
        draw.text((x, y + TILE + 4), f"#{rank}  id {nid}", fill="black", font=small)
        draw.text((x, y + TILE + 18), fmnist.LABELS[label], fill=colour, font=small)
        draw.text((x, y + TILE + 32), f"d = {dist:.4f}", fill="black", font=small)
        x += TILE + pad
    return sheet


def _data_uri(pixels):
    buf = io.BytesIO()
    _tile(pixels).save(buf, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode()


def html_page(query_pixels, query_label, neighbours, title, sql):
    """A self-contained HTML page (images inline) with the same content."""
    cells = []
    for rank, (nid, label, dist, pixels) in enumerate(neighbours, 1):
        same = query_label is None or label == query_label
        cells.append(
            f'<figure><img src="{_data_uri(pixels)}" alt="{nid}">'
            f'<figcaption>#{rank} &middot; id {nid}<br>'
            f'<b class="{"same" if same else "other"}">{html.escape(fmnist.LABELS[label])}</b>'
            f'<br>distance {dist:.4f}</figcaption></figure>')
    qlabel = fmnist.LABELS[query_label] if query_label is not None else "(no label)"
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)}</title>
<style>
 body {{ font-family: sans-serif; margin: 2em; }}
 figure {{ display: inline-block; margin: 0 .6em 1em 0; text-align: center; font-size: 12px; }}
 img {{ width: {TILE}px; height: {TILE}px; image-rendering: pixelated; }}
 .query img {{ outline: 3px solid #1565c0; }}
 .same {{ color: #2e7d32; }} .other {{ color: #c62828; }}
 pre {{ background: #f4f4f4; padding: 1em; white-space: pre-wrap; word-break: break-all; }}
</style></head><body>
<h1>{html.escape(title)}</h1>
<figure class="query"><img src="{_data_uri(query_pixels)}" alt="query">
<figcaption>query<br><b>{html.escape(qlabel)}</b></figcaption></figure>
<h2>{len(neighbours)} nearest training images (cosine distance, HNSW index)</h2>
{''.join(cells)}
<h2>SQL</h2><pre>{html.escape(sql)}</pre>
</body></html>
"""


def run_query(dbname, weights, image_id=None, png=None, out_dir=".", k=K,
              ef_search=DEFAULT_EF_SEARCH, invert=None, log=sys.stderr):
    """Embed, search, write the sheet and the page; return a result dict."""
    if (image_id is None) == (png is None):
        raise ValueError("give exactly one of image_id and png")
    if image_id is not None:
        pixels, label = image_by_id(image_id)
        name = f"query-{image_id}"
        title = f"Test image {image_id} ({fmnist.LABELS[label]})"
    else:
        pixels, label = read_png(png, invert), None
        name = "query-" + os.path.splitext(os.path.basename(png))[0]
        title = f"Query image {os.path.basename(png)}"
    net = load_net(weights)
    vec = modelmod.embed_images(net, pixels[None])[0]

    try:
        conn = db.connect(dbname)
    except psycopg.OperationalError as e:
        raise QueryError(f"cannot connect to database {dbname}: "
                         f"{' '.join(line.strip() for line in str(e).splitlines())}") from None
    except RuntimeError as e:          # the vector type is missing
        raise QueryError(f"database {dbname}: {e}") from None
    with conn:
        conn.autocommit = True
        check_database(conn, dbname, weights)
        try:
            found = knn(conn, vec, k, ef_search)
        except psycopg.Error as e:     # say what the server said, and its hint
            hint = e.diag.message_hint
            raise QueryError(f"database {dbname}: {e.diag.message_primary or e}"
                             + (f" (hint: {hint})" if hint else "")) from None
    train_images, _ = fmnist.load("train")
    neighbours = [(i, lab, d, train_images[i]) for i, lab, d in found]

    sql = sql_text(vec, k, ef_search, image_id, label)
    os.makedirs(out_dir, exist_ok=True)
    png_path = os.path.join(out_dir, name + ".png")
    html_path = os.path.join(out_dir, name + ".html")
    contact_sheet(pixels, label, neighbours, title).save(png_path)
    with open(html_path, "w") as f:
        f.write(html_page(pixels, label, neighbours, title, sql))
    for rank, (i, lab, d) in enumerate(found, 1):
        mark = "" if label is None else ("  same label" if lab == label else "")
        print(f"  #{rank:<2} id {i:<6} {fmnist.LABELS[lab]:<12} distance {d:.4f}{mark}",
              file=log)
    print(f"query: contact sheet {png_path}\nquery: HTML page     {html_path}", file=log)
    return {"neighbours": found, "png": png_path, "html": html_path, "sql": sql,
            "label": label, "vector": vec}


def main(argv=None):
    ap = argparse.ArgumentParser(description="Query the image table by image.")
    src = ap.add_mutually_exclusive_group(required=True)
    src.add_argument("--id", type=int, help="an image id (test images: 60000..69999)")
    src.add_argument("--png", help="path of a PNG (or JPEG...) to search with")
    ap.add_argument("--db", default="image_search")
    ap.add_argument("--weights", default=os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                                      "out", "model.pt"))
    ap.add_argument("--out-dir", default=os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                                      "out"))
    ap.add_argument("-k", type=int, default=K)
    ap.add_argument("--ef-search", type=int, default=DEFAULT_EF_SEARCH)
    ap.add_argument("--sql", action="store_true",
                    help="print the SQL a psql user would run, and nothing else")
    ap.add_argument("--export-png", metavar="PATH",
                    help="with --id: write that image as a 28x28 PNG and exit")
    ap.add_argument("--no-invert", action="store_true",
                    help="never invert a PNG (default: invert light backgrounds)")
    args = ap.parse_args(argv)
    if args.k < 1:
        ap.error("-k must be at least 1")
    try:
        run_main(args)
    except QueryError as e:
        print(f"query.py: error: {e}", file=sys.stderr)
        return 1
    return 0


def run_main(args):
    """main() after argument parsing; raises QueryError on bad input."""
    if args.export_png:
        if args.id is None:
            raise QueryError("--export-png needs --id")
        try:
            Image.fromarray(image_by_id(args.id)[0]).save(args.export_png)
        except (OSError, ValueError) as e:
            raise QueryError(f"cannot write {args.export_png}: {e}") from None
        print(args.export_png)
        return
    invert = False if args.no_invert else None
    if args.sql:
        if args.id is not None:
            pixels, label = image_by_id(args.id)
        else:
            pixels, label = read_png(args.png, invert), None
        net = load_net(args.weights)
        vec = modelmod.embed_images(net, pixels[None])[0]
        sys.stdout.write(sql_text(vec, args.k, args.ef_search, args.id, label))
        return
    run_query(args.db, args.weights, args.id, args.png, args.out_dir, args.k,
              args.ef_search, invert)


if __name__ == "__main__":
    sys.exit(main())
