/*-------------------------------------------------------------------------
 * hnswreselect.c
 *		Adding a back-link to an element's list on disk: appending when it
 *		has room, re-selecting a full list (without taking anyone's way
 *		in), and making sure a new element has an in-link on layer 0.
 *
 * Every change is WAL-logged through GenericXLog.  A list is rewritten
 * read-compute-recheck (hnsw.h, "Locking"): the new list is computed
 * without the page lock and written only if the list did not change.
 *-------------------------------------------------------------------------
 */
#include "hnsw/hnswbuffer.h"

#include "access/generic_xlog.h"

/* Whether tid is among links[0..n). */
static bool
tid_in(ItemPointerData *links, int n, ItemPointer tid)
{
	for (int i = 0; i < n; i++)
		if (ItemPointerEquals(&links[i], tid))
			return true;
	return false;
}

/*
 * Append add[0..n) to the layer's list of the element at off of buf, which
 * is exclusively locked and has room for them.
 */
static void
append_locked(Relation index, Buffer buf, OffsetNumber off, int m, int layer,
			  const ItemPointerData *add, int n)
{
	GenericXLogState *state = GenericXLogStart(index);
	Page		page = GenericXLogRegisterBuffer(state, buf, 0);
	HnswElementTuple tup = HnswGetElementTuple(page, off);
	int			count = HnswElementCounts(tup)[layer];

	memcpy(HnswElementLinks(tup, m, layer) + count, add, sizeof(ItemPointerData) * n);
	HnswElementCounts(tup)[layer] = count + n;
	GenericXLogFinish(state);
}

/*
 * Make the layer's list of the element at tid hold every one of add[0..n)
 * (distinct), appending those it lacks: all or none.  False when there is
 * no room for all of them, or the element is gone.
 */
static bool
append_links(Relation index, int m, ItemPointer tid, int layer, const ItemPointerData *add,
			 int n)
{
	Buffer		buf = read_buffer(index, ItemPointerGetBlockNumber(tid));
	HnswElementTuple tup;
	ItemPointerData *missing = palloc(sizeof(ItemPointerData) * n);
	int			nmissing = 0;
	bool		done = false;

	LockBuffer(buf, BUFFER_LOCK_EXCLUSIVE);
	tup = HnswGetElementTuple(BufferGetPage(buf), ItemPointerGetOffsetNumber(tid));
	if (tup != NULL && tup->level >= layer && !(tup->flags & HNSW_ELEMENT_DELETED))
	{
		int			count = HnswElementCounts(tup)[layer];

		for (int i = 0; i < n; i++)
			if (!tid_in(HnswElementLinks(tup, m, layer), count, (ItemPointer) &add[i]))
				missing[nmissing++] = add[i];
		done = count + nmissing <= HnswTupleCapacity(tup, m, layer);
		if (done && nmissing > 0)
			append_locked(index, buf, ItemPointerGetOffsetNumber(tid), m, layer, missing,
						  nmissing);
	}
	UnlockReleaseBuffer(buf);
	pfree(missing);
	return done;
}

/* How add_backlink goes about it. */
typedef struct BacklinkMode
{
	bool		force;			/* Q stays even where the heuristic drops it */
	int			depth;			/* nesting of restores (write_checked) */

	/*
	 * The last resort of force, when no link of N may go: drop the farthest
	 * anyway and report it in displaced (and its payload, max_payload bytes
	 * the caller gives), for the caller to find it another way in.
	 */
	bool		displace;
	ItemPointerData displaced;
	char	   *displaced_payload;
} BacklinkMode;

/*
 * Re-selecting a full list without losing anyone's way in.
 *
 * When element N, whose list on a layer is full, takes the new element Q,
 * the heuristic re-selects N's links among the old ones and Q, and drops
 * the rest.  A dropped link N -> X may have been X's only in-link, and X
 * (with whatever only X leads to: with clustered data, a whole cluster)
 * then drops out of every search.  So the heuristic's choice stands for a
 * pruned X only when a path N -> Y -> ... -> X through N's other
 * neighbours remains, Y being kept (or Q): whatever a search reached
 * through N -> X it still reaches.  Each other pruned X goes into Q's list
 * (N -> Q -> X; Q is near N, so X is near Q), all of them in one write,
 * before N's list is rewritten.  When Q's list has no room for them, N
 * keeps them instead, or, without room for them either, is left as it was
 * (Q is then not linked from N).  When the heuristic does not keep Q, N has
 * room for every old link it cannot drop and keeps them.  The lists of N's
 * neighbours are read with their payloads, which the heuristic needs
 * anyway, so the check costs memory compares and one more page read (Q's
 * list).  Those lists are read without locks, so the paths are checked
 * again once N's list is written (write_checked).
 */
typedef struct Reselect
{
	const HnswDistance *d;
	BacklinkMode *mode;
	int			displaced;		/* place in cands of a displaced link, or -1 */
	int			m;
	int			layer;
	int			cap;			/* link slots of a list on the layer, at most */
	ItemPointerData *old;		/* N's list as read, old[0..nold) */
	int			nold;
	HnswCandidate *cands;		/* old links that exist, and Q; idx: slot below */
	int			ncands;
	int			qpos;			/* Q's place in cands, once sorted */
	char	   *vecs;			/* payload of each slot */
	ItemPointerData *lists;		/* list of each slot, cap apart */
	int		   *nlists;
	bool	   *keep;			/* by place in cands */

	/*
	 * The candidates that may be dropped, by TID (open addressing, keys as
	 * in the visited set; pos: the place in cands), and which of them a kept
	 * element links to (covered) or not yet (nopen).
	 */
	uint64	   *keys;
	int		   *pos;
	uint32		mask;
	bool	   *covered;
	int			nopen;
} Reselect;

/* Forget every watched candidate. */
static void
unwatch_all(Reselect *rs)
{
	memset(rs->keys, 0, sizeof(uint64) * (rs->mask + 1));
	memset(rs->covered, 0, sizeof(bool) * rs->ncands);
	rs->nopen = 0;
}

/* Watch cands[i]: it may be dropped once a kept element links to it. */
static void
watch(Reselect *rs, int i)
{
	uint64		k = tid_key(&rs->cands[i].tid);
	uint32		j = key_hash(k) & rs->mask;

	while (rs->keys[j] != 0 && rs->keys[j] != k)
		j = (j + 1) & rs->mask;
	if (rs->keys[j] != 0)
		return;
	rs->keys[j] = k;
	rs->pos[j] = i;
	rs->nopen++;
}

/* cands[i] stays: what it links to is covered. */
static void
cover_from(Reselect *rs, int i)
{
	int			slot = rs->cands[i].idx;

	for (int l = 0; l < rs->nlists[slot] && rs->nopen > 0; l++)
	{
		uint64		k = tid_key(&rs->lists[slot * rs->cap + l]);
		uint32		j = key_hash(k) & rs->mask;

		while (rs->keys[j] != 0 && rs->keys[j] != k)
			j = (j + 1) & rs->mask;
		if (rs->keys[j] != 0 && !rs->covered[rs->pos[j]])
		{
			rs->covered[rs->pos[j]] = true;
			rs->nopen--;
			/* a dropped link's target stays reachable, and so what it links to */
			cover_from(rs, rs->pos[j]);
		}
	}
}

/*
 * Whether cands[i] is a link the re-selection drops whose target must stay
 * reachable: not kept, not Q, not a deleted element (vacuum's business),
 * not the one displaced on purpose (see BacklinkMode).
 */
static bool
dropped_live(const Reselect *rs, int i)
{
	return !rs->keep[i] && i != rs->qpos && !rs->cands[i].deleted && i != rs->displaced;
}

/* Watch every dropped live link; false when there is none. */
static bool
watch_dropped(Reselect *rs)
{
	bool		any = false;

	unwatch_all(rs);
	for (int i = 0; i < rs->ncands; i++)
		if (dropped_live(rs, i))
		{
			watch(rs, i);
			any = true;
		}
	return any;
}

/*
 * Cover what N still reaches through Q (when it links Q: the likeliest)
 * and then the kept candidates, nearest first, by their lists in rs.
 */
static void
cover_kept(Reselect *rs, bool linked)
{
	if (linked)
		cover_from(rs, rs->qpos);
	for (int i = 0; i < rs->ncands; i++)
		if (rs->keep[i] && i != rs->qpos)
			cover_from(rs, i);
}

/*
 * Write the kept candidates as N's list, if it did not change meanwhile.
 * False when it did.
 */
static bool
write_kept(Relation index, ItemPointer tid, Reselect *rs)
{
	ItemPointerData *links = palloc(sizeof(ItemPointerData) * rs->cap);
	int			n = 0;
	bool		done;

	for (int i = 0; i < rs->ncands; i++)
		if (rs->keep[i])
			links[n++] = rs->cands[i].tid;
	done = HnswReplaceLinks(index, rs->m, tid, rs->layer, rs->old, rs->nold, links, n);
	pfree(links);
	return done;
}

/*
 * Whether every link the re-selection dropped (but for deleted targets, and
 * Q's) still has its path, by the lists as they are now.  Called right
 * after N's list is written: see write_checked.
 */
static bool
paths_hold(Relation index, Reselect *rs, bool linked)
{
	if (!watch_dropped(rs))
		return true;
	for (int i = 0; i < rs->ncands; i++)
	{
		int			slot = rs->cands[i].idx;
		bool		deleted;

		if (!HnswReadElement(index, rs->d, rs->m, &rs->cands[i].tid, rs->layer, NULL,
							 &rs->lists[slot * rs->cap], &rs->nlists[slot], &deleted))
			rs->nlists[slot] = 0;
	}
	cover_kept(rs, linked);
	return rs->nopen == 0;
}

static bool add_backlink(Relation index, const HnswDistance *d, int m, ItemPointer tid,
						 int layer, ItemPointer newtid, const void *newpayload,
						 BacklinkMode *mode);

/*
 * Write the kept candidates as N's list (false when it changed meanwhile),
 * then make sure every link it dropped still has its path.
 *
 * The lists that decided which links may go were read without locks, and
 * two re-selections running at once could each drop the other's way in:
 * N1 drops N1 -> X for the path N1 -> Y -> X while Y drops Y -> X for the
 * path Y -> N1 -> X.  So each checks after its own write, reading the lists
 * again.  Of two such writers at least one reads the other's list after
 * the other's write (each writes first, then reads, and buffer locks order
 * the two), and that one finds its path gone and restores the link: into
 * Q's list (N -> Q -> X) when Q has room, else into N's again (forced, in
 * place of a link that does have its path).  A restore re-selects too and
 * so checks again, at most HNSW_RESTORE_DEPTH deep; past that (it takes
 * that many races in a row) vacuum's reconnect is the backstop.  Not under
 * inner product, where no path is kept (see reselect).
 */
static bool
write_checked(Relation index, ItemPointer tid, Reselect *rs, bool linked)
{
	if (!write_kept(index, tid, rs))
		return false;
	if (rs->d->metric == HNSW_METRIC_IP || paths_hold(index, rs, linked))
		return true;
	for (int i = 0; i < rs->ncands; i++)
	{
		HnswCandidate *x = &rs->cands[i];
		BacklinkMode restore = {.force = true, .depth = rs->mode->depth + 1};

		if (!dropped_live(rs, i) || rs->covered[i])
			continue;
		if (linked && append_links(index, rs->m, &rs->cands[rs->qpos].tid, rs->layer,
								   &x->tid, 1))
			continue;
		if (restore.depth <= HNSW_RESTORE_DEPTH)
			add_backlink(index, rs->d, rs->m, tid, rs->layer, &x->tid,
						 HnswPayloadAt(rs->d, rs->vecs, x->idx), &restore);
	}
	return true;
}

/*
 * Force Q into N's full list: drop the farthest old link to a deleted
 * element, else the farthest that a path through the rest of the new list
 * (or Q) reaches, or else the farthest old link if Q can take it, or else,
 * displacing, the farthest old link (see BacklinkMode).  False when none
 * works (N is left as it was).
 */
static bool
force_in(Relation index, ItemPointer tid, ItemPointer newtid, Reselect *rs, bool *written)
{
	int			drop = -1;

	unwatch_all(rs);
	for (int i = 0; i < rs->ncands; i++)
		if (i != rs->qpos)
			watch(rs, i);
	for (int i = 0; i < rs->ncands; i++)
		cover_from(rs, i);
	for (int i = rs->ncands - 1; i >= 0 && drop < 0; i--)
		if (i != rs->qpos && rs->cands[i].deleted)
			drop = i;			/* vacuum's business */
	for (int i = rs->ncands - 1; i >= 0 && drop < 0; i--)
		if (i != rs->qpos && rs->covered[i])
			drop = i;
	if (drop < 0)
	{
		drop = rs->qpos == rs->ncands - 1 ? rs->ncands - 2 : rs->ncands - 1;
		if (drop < 0)
		{
			*written = true;	/* nothing to write: give up on N */
			return false;
		}
		if (!append_links(index, rs->m, newtid, rs->layer, &rs->cands[drop].tid, 1))
		{
			if (!rs->mode->displace)
			{
				*written = true;
				return false;
			}
			rs->displaced = drop;
		}
	}
	for (int i = 0; i < rs->ncands; i++)
		rs->keep[i] = i != drop;
	*written = write_checked(index, tid, rs, true);
	if (*written && rs->displaced >= 0)
	{
		rs->mode->displaced = rs->cands[drop].tid;
		memcpy(rs->mode->displaced_payload,
			   HnswPayloadAt(rs->d, rs->vecs, rs->cands[drop].idx), rs->d->max_payload);
	}
	rs->displaced = -1;
	return true;
}

/*
 * One re-selection of N's full list old[0..n) (N at tid, payload tvec) to
 * take Q (newtid, newpayload): see above.  Sets *written to false when N's
 * list changed meanwhile (try again); returns whether N now links to Q.
 */
static bool
reselect(Relation index, const HnswDistance *d, int m, ItemPointer tid, int layer,
		 ItemPointer newtid, const void *newpayload, const char *tvec,
		 ItemPointerData *old, int n, int ecap, BacklinkMode *mode, bool *written)
{
	Reselect	rs;
	const void **cvecs = palloc(sizeof(void *) * (n + 1));
	int		   *save = palloc(sizeof(int) * (n + 1));
	int			nsave = 0;
	int			nkeep = 0;
	int			slots = HnswLayerCapacity(m, layer);
	bool		linked = true;

	rs.d = d;
	rs.mode = mode;
	rs.displaced = -1;
	rs.m = m;
	rs.layer = layer;
	rs.cap = slots;
	rs.old = old;
	rs.nold = n;
	rs.cands = palloc(sizeof(HnswCandidate) * (n + 1));
	rs.vecs = palloc(d->max_payload * (n + 1));
	rs.lists = palloc(sizeof(ItemPointerData) * slots * (n + 1));
	rs.nlists = palloc(sizeof(int) * (n + 1));
	rs.keep = palloc(sizeof(bool) * (n + 1));
	rs.ncands = 0;
	for (int i = 0; i < n; i++)
	{
		int			s = rs.ncands;
		char	   *v = HnswPayloadAt(d, rs.vecs, s);

		if (!HnswReadElement(index, d, m, &old[i], layer, v, &rs.lists[s * slots],
							 &rs.nlists[s], &rs.cands[s].deleted))
			continue;			/* a dangling link: drop it */
		rs.cands[s].tid = old[i];
		rs.cands[s].dist = HnswDist(d, tvec, v);
		rs.cands[s].idx = s;
		rs.ncands++;
	}
	memcpy(HnswPayloadAt(d, rs.vecs, rs.ncands), newpayload, d->max_payload);
	HnswReadElement(index, d, m, newtid, layer, NULL, &rs.lists[rs.ncands * slots],
					&rs.nlists[rs.ncands], &rs.cands[rs.ncands].deleted);
	rs.cands[rs.ncands].tid = *newtid;
	rs.cands[rs.ncands].dist = HnswDist(d, tvec, newpayload);
	rs.cands[rs.ncands].idx = rs.ncands;
	rs.ncands++;

	/* the heuristic, nearest first */
	qsort(rs.cands, rs.ncands, sizeof(HnswCandidate), HnswCandidateCmp);
	for (int i = 0; i < rs.ncands; i++)
		cvecs[i] = HnswPayloadAt(d, rs.vecs, rs.cands[i].idx);
	HnswSelectNeighbors(d, rs.cands, rs.ncands, cvecs, ecap, rs.keep, tid_key(tid), true);
	/* Q's place, once the selection has ordered ties its way */
	for (int i = 0; i < rs.ncands; i++)
		if (ItemPointerEquals(&rs.cands[i].tid, newtid))
			rs.qpos = i;
	rs.mask = 63;
	while (rs.mask + 1 < (uint32) rs.ncands * 2)
		rs.mask = rs.mask * 2 + 1;
	rs.keys = palloc(sizeof(uint64) * (rs.mask + 1));
	rs.pos = palloc(sizeof(int) * (rs.mask + 1));
	rs.covered = palloc(sizeof(bool) * rs.ncands);
	for (int i = 0; i < rs.ncands; i++)
		nkeep += rs.keep[i];

	/* forced: Q stays whenever there is room */
	if (mode->force && !rs.keep[rs.qpos] && nkeep < ecap)
	{
		rs.keep[rs.qpos] = true;
		nkeep++;
	}
	if (!rs.keep[rs.qpos] && (mode->force || nkeep == rs.ncands - 1))
	{
		/* the heuristic keeps every old link */
		*written = true;
		linked = mode->force && force_in(index, tid, newtid, &rs, written);
		goto done;
	}
	linked = rs.keep[rs.qpos];

	/* which pruned links a path through kept elements replaces */
	if (watch_dropped(&rs))
		cover_kept(&rs, linked);

	/*
	 * Under inner product the selection fills every slot with the nearest
	 * candidates, and paths between them say little about what a search
	 * reaches (no metric): a full list drops its farthest links as they
	 * come, as it did before paths were kept, and vacuum's reconnect is
	 * what relinks an element left without an in-link.
	 */
	if (d->metric == HNSW_METRIC_IP)
		for (int i = 0; i < rs.ncands; i++)
			rs.covered[i] = true;
	for (int i = 0; i < rs.ncands; i++)
	{
		if (!dropped_live(&rs, i) || rs.covered[i])
			continue;			/* stays, has a path, or vacuum's business */
		if (linked)
			save[nsave++] = i;	/* Q takes it: N -> Q -> X */
		else
		{
			/* N does not take Q: it has room for every old link */
			rs.keep[i] = true;
			nkeep++;
			cover_from(&rs, i);
		}
	}
	if (nsave > 0)
	{
		ItemPointerData *tids = palloc(sizeof(ItemPointerData) * nsave);

		for (int i = 0; i < nsave; i++)
			tids[i] = rs.cands[save[i]].tid;
		if (!append_links(index, m, newtid, layer, tids, nsave))
		{
			/* Q is full: N keeps them, or stays as it was */
			for (int i = 0; i < nsave; i++)
			{
				if (nkeep == ecap)
				{
					*written = true;
					linked = mode->force && force_in(index, tid, newtid, &rs, written);
					goto done;
				}
				rs.keep[save[i]] = true;
				nkeep++;
			}
		}
	}
	*written = write_checked(index, tid, &rs, linked);

done:
	pfree(rs.cands);
	pfree(rs.vecs);
	pfree(rs.lists);
	pfree(rs.nlists);
	pfree(rs.keep);
	pfree(rs.keys);
	pfree(rs.pos);
	pfree(rs.covered);
	pfree(cvecs);
	pfree(save);
	return linked;
}

/*
 * Make the element at tid (N) link back to newtid (Q) on a layer.  With
 * room, append; when full, re-select N's links among the old ones and Q
 * (reselect above: no element loses its way in).  The vectors are read
 * without holding the page, and the result written only if the list did
 * not change meanwhile.  With force, Q is kept even when the heuristic
 * would drop it (in place of an old link that a path through the rest
 * still reaches, or that Q takes): the caller uses that to make sure a new
 * element has at least one way in.  Returns whether the list now links to
 * Q.
 */
static bool
add_backlink(Relation index, const HnswDistance *d, int m, ItemPointer tid, int layer,
			 ItemPointer newtid, const void *newpayload, BacklinkMode *mode)
{
	bool		linked = false;
	int			cap = HnswLayerCapacity(m, layer);	/* at most; the element's below */
	ItemPointerData *old = palloc(sizeof(ItemPointerData) * cap);
	char	   *tvec = palloc(d->max_payload);

	for (int attempt = 0; attempt < HNSW_UPDATE_RETRIES; attempt++)
	{
		Buffer		buf = read_buffer(index, ItemPointerGetBlockNumber(tid));
		HnswElementTuple tup;
		int			n;
		int			ecap;
		bool		written = false;

		LockBuffer(buf, BUFFER_LOCK_EXCLUSIVE);
		tup = HnswGetElementTuple(BufferGetPage(buf), ItemPointerGetOffsetNumber(tid));
		if (tup == NULL || tup->level < layer || (tup->flags & HNSW_ELEMENT_DELETED))
		{
			UnlockReleaseBuffer(buf);
			break;
		}
		ecap = HnswTupleCapacity(tup, m, layer);
		n = HnswElementCounts(tup)[layer];
		if (tid_in(HnswElementLinks(tup, m, layer), n, newtid))
		{
			UnlockReleaseBuffer(buf);
			linked = true;		/* already there */
			break;
		}
		if (n < ecap)
		{
			append_locked(index, buf, ItemPointerGetOffsetNumber(tid), m, layer, newtid, 1);
			UnlockReleaseBuffer(buf);
			linked = true;
			break;
		}

		/* full: copy what we need and let go of the page */
		memcpy(old, HnswElementLinks(tup, m, layer), sizeof(ItemPointerData) * n);
		if (tup->payload_size > d->max_payload || !HnswCopyPayload(index, m, tup, tvec))
		{
			UnlockReleaseBuffer(buf);
			break;				/* not whole: nothing to weigh it by */
		}
		UnlockReleaseBuffer(buf);

		linked = reselect(index, d, m, tid, layer, newtid, newpayload, tvec, old, n, ecap,
						  mode, &written);
		if (written)
			break;
		linked = false;
	}
	pfree(old);
	pfree(tvec);
	return linked;
}

bool
HnswAddBacklink(Relation index, const HnswDistance *d, int m, ItemPointer tid, int layer,
				ItemPointer newtid, const void *newpayload, bool force)
{
	BacklinkMode mode = {.force = force};

	return add_backlink(index, d, m, tid, layer, newtid, newpayload, &mode);
}

/*
 * Give the element at tid (payload vec) a way in on layer 0 from one of
 * hosts[0..n), nearest first: the first that takes it, forced.  Each of
 * them may refuse, when every link it has is the only way to its target
 * that its list shows and the new element has no room to take one over
 * (small m, and a new element whose own list is full).  Then the first
 * that can takes it in place of its farthest link (displacing), and the
 * element that link led to gets a way in the same way from its own
 * neighbours, at most HNSW_RESTORE_DEPTH times over.  False when it could
 * not (vacuum's reconnect then does it).
 */
bool
HnswEnsureInlink(Relation index, const HnswDistance *d, int m, ItemPointer tid, const void *vec,
				 ItemPointerData *hosts, int n, int depth)
{
	BacklinkMode mode = {.force = true};
	ItemPointerData *links;
	int			nlinks;
	bool		deleted;
	bool		linked = false;

	for (int i = 0; i < n; i++)
		if (!ItemPointerEquals(&hosts[i], tid) &&
			add_backlink(index, d, m, &hosts[i], 0, tid, vec, &mode))
			return true;
	if (depth >= HNSW_RESTORE_DEPTH)
		return false;

	mode.displace = true;
	ItemPointerSetInvalid(&mode.displaced);
	mode.displaced_payload = palloc(d->max_payload);
	for (int i = 0; i < n && !linked; i++)
		linked = !ItemPointerEquals(&hosts[i], tid) &&
			add_backlink(index, d, m, &hosts[i], 0, tid, vec, &mode);
	if (!linked || !ItemPointerIsValid(&mode.displaced))
		return linked;

	/* the displaced element's own neighbours take it */
	links = palloc(sizeof(ItemPointerData) * HnswLayerCapacity(m, 0));
	if (HnswReadElement(index, d, m, &mode.displaced, 0, NULL, links, &nlinks, &deleted) &&
		!deleted)
		HnswEnsureInlink(index, d, m, &mode.displaced, mode.displaced_payload, links, nlinks,
						 depth + 1);
	return true;
}
