/*-------------------------------------------------------------------------
 * hnswbuildgraph.c
 *		The graph of CREATE INDEX in memory: the arena, and inserting one
 *		node into it (the same search and selection as on disk, with node
 *		numbers for links).
 *
 * Each node's lists are guarded by its own LWLock when the graph is shared
 * by a parallel build; the entry point by a spinlock, and an insert that may
 * raise it holds entry_lock throughout.  A node's own lists are written
 * before any other node links back to it, so no process can find it with
 * empty lists.
 *-------------------------------------------------------------------------
 */
#include "hnsw/hnswbuild.h"

#include <float.h>
#include <math.h>

#include "miscadmin.h"

/* Lay out an arena of size bytes at g. */
void
HnswGraphInit(BuildGraph *g, Size size, const HnswDistance *d, int m, int efc, bool concurrent)
{
	Size		header = MAXALIGN(sizeof(BuildGraph));
	Size		minnode = node_size(m, 0, d->min_payload);

	memset(g, 0, sizeof(BuildGraph));
	SpinLockInit(&g->mutex);
	g->entry = -1;
	g->entry_level = -1;
	g->concurrent = concurrent;
	g->dims = d->dims;
	g->max_payload = d->max_payload;
	g->span = d->span;
	g->m = m;
	g->efc = efc;
	g->max_nodes = (int32) Min((size - header) / (minnode + sizeof(uint64)), PG_INT32_MAX);
	g->offsets_off = header;
	g->nodes_off = MAXALIGN(header + sizeof(uint64) * g->max_nodes);
	g->size = size > g->nodes_off ? size - g->nodes_off : 0;
	if (concurrent)
	{
		g->tranche = LWLockNewTrancheId();
		LWLockRegisterTranche(g->tranche, "hnsw build");
		LWLockInitialize(&g->entry_lock, g->tranche);
	}
}

/* A new node, or -1 when the arena is full. */
int32
HnswGraphAllocNode(BuildGraph *g, int level, Size payload_size)
{
	Size		size = node_size(g->m, level, payload_size);
	uint64	   *offsets = (uint64 *) ((char *) g + g->offsets_off);
	int32		n = -1;

	SpinLockAcquire(&g->mutex);
	if (!g->full && g->nnodes < g->max_nodes && g->used + size <= g->size)
	{
		n = g->nnodes++;
		offsets[n] = g->used;
		g->used += size;
	}
	else
		g->full = true;
	SpinLockRelease(&g->mutex);

	if (n >= 0)
	{
		BuildNode  *node = graph_node(g, n);

		memset(node, 0, size);
		node->level = level;
		node->links0 = HnswLinks0ForPayload(g->m, g->span, payload_size);
		node->reserve0 = node->links0;
		node->payload_size = payload_size;
		if (g->concurrent)
			LWLockInitialize(&node->lock, g->tranche);
	}
	return n;
}

static inline void
node_lock(BuildGraph *g, BuildNode *node, LWLockMode mode)
{
	if (g->concurrent)
		LWLockAcquire(&node->lock, mode);
}

static inline void
node_unlock(BuildGraph *g, BuildNode *node)
{
	if (g->concurrent)
		LWLockRelease(&node->lock);
}

/*
 * The construction distance.  The graph is built with the index's distance,
 * but for inner product, which is not a metric: the heuristic then prunes
 * nearly every link (HnswSelectNeighbors), and vectors of small norm are
 * nobody's near neighbour and stay unreachable.  Under inner product the
 * graph is built instead in the space where every vector v becomes
 * v' = (v, sqrt(M^2 - |v|^2)), M the largest norm (Bachrach et al., 2014):
 * all v' lie on one sphere, L2 there is a metric, and a query q' = (q, 0)
 * is ordered by it as by -q.v, so the scans' inner-product search walks a
 * graph made for it.  |a' - b'|^2 = 2M^2 - 2a.b - 2 sqrt((M^2 - |a|^2)
 * (M^2 - |b|^2)) needs only the inner product and the two norms, kept
 * beside each payload.  M is the largest norm inserted so far: each insert
 * raises it before its search, so every root is real.
 */
static const BuildGraph *xbox_graph;	/* this process's graph */
static HnswPayloadKernel xbox_inner;	/* the type's inner product */

static inline float
payload_sqnorm(const void *payload)
{
	float		n;

	memcpy(&n, (const char *) payload - sizeof(float), sizeof(float));
	return n;
}

static float
xbox_distance(const void *a, const void *b, int len)
{
	double		m2 = *(volatile const float *) &xbox_graph->max_sqnorm;
	double		ab = xbox_inner(a, b, len);
	double		rest = (m2 - payload_sqnorm(a)) * (m2 - payload_sqnorm(b));
	double		r = 2.0 * (m2 - ab - sqrt(Max(rest, 0.0)));

	return (float) Max(r, 0.0);
}

/* Set the node's squared norm and raise the graph's largest (inner product). */
static void
note_norm(BuildLocal *bl, char *payload)
{
	BuildGraph *g = bl->g;
	float		n = bl->dist.kernel(payload, payload, bl->dist.len);

	if (!isfinite(n))
		n = FLT_MAX;
	memcpy(payload - sizeof(float), &n, sizeof(float));
	if (n > g->max_sqnorm)
	{
		SpinLockAcquire(&g->mutex);
		if (n > g->max_sqnorm)
			g->max_sqnorm = n;
		SpinLockRelease(&g->mutex);
	}
}

void
HnswLocalInit(BuildLocal *bl, BuildGraph *g, Relation index, uint64 seed)
{
	memset(bl, 0, sizeof(BuildLocal));
	bl->g = g;
	HnswInitDistance(&bl->dist, index, g->dims, g->m);
	bl->cdist = bl->dist;
	if (bl->dist.metric == HNSW_METRIC_IP)
	{
		xbox_graph = g;
		xbox_inner = bl->dist.kernel;
		bl->cdist.kernel = xbox_distance;
		bl->cdist.negate = false;
		bl->cdist.metric = HNSW_METRIC_L2;	/* a metric: the plain heuristic */
	}
	bl->visited_cap = 1024;
	bl->visited = palloc0(sizeof(uint32) * bl->visited_cap);
	bl->linkbuf = palloc(sizeof(int32) * HnswLayerCapacity(g->m, 0));
	bl->rng = seed;
}

static inline bool
visit(BuildLocal *bl, int32 n)
{
	if (n >= bl->visited_cap)
	{
		int32		cap = bl->visited_cap;

		while (cap <= n)
			cap *= 2;
		bl->visited = repalloc(bl->visited, sizeof(uint32) * cap);
		memset(bl->visited + bl->visited_cap, 0, sizeof(uint32) * (cap - bl->visited_cap));
		bl->visited_cap = cap;
	}
	if (bl->visited[n] == bl->epoch)
		return false;
	bl->visited[n] = bl->epoch;
	return true;
}

static void
new_epoch(BuildLocal *bl)
{
	if (++bl->epoch == 0)
	{
		memset(bl->visited, 0, sizeof(uint32) * bl->visited_cap);
		bl->epoch = 1;
	}
}

/* Best-first search of one layer in memory; result gets the ef nearest. */
static void
mem_search_layer(BuildLocal *bl, const void *q, HnswCandidate *entries, int nentries,
				 int ef, int layer, HnswHeap *cand, HnswHeap *result)
{
	BuildGraph *g = bl->g;

	new_epoch(bl);
	cand->size = 0;
	result->size = 0;
	for (int i = 0; i < nentries; i++)
	{
		visit(bl, entries[i].idx);
		HnswHeapPush(cand, &entries[i]);
		HnswHeapPush(result, &entries[i]);
	}
	while (result->size > ef)
		HnswHeapPop(result);

	while (cand->size > 0)
	{
		HnswCandidate c = HnswHeapPop(cand);
		BuildNode  *node = graph_node(g, c.idx);
		int			n,
					nfresh;

		if (result->size >= ef && c.dist > HnswHeapTop(result)->dist)
			break;

		node_lock(g, node, LW_SHARED);
		n = node_counts(node)[layer];
		memcpy(bl->linkbuf, node_links(g, node, layer), sizeof(int32) * n);
		node_unlock(g, node);

		/*
		 * The unvisited neighbours first, their nodes' headers asked for;
		 * then each one's distance while the next one's payload comes in.
		 */
		nfresh = 0;
		for (int i = 0; i < n; i++)
			if (visit(bl, bl->linkbuf[i]))
			{
				bl->linkbuf[nfresh++] = bl->linkbuf[i];
				__builtin_prefetch(graph_node(g, bl->linkbuf[i]));
			}
		for (int i = 0; i < nfresh; i++)
		{
			int32		e = bl->linkbuf[i];
			HnswCandidate ec;

			if (i + 1 < nfresh)
				prefetch_node_payload(g, graph_node(g, bl->linkbuf[i + 1]));
			ec.dist = HnswDist(&bl->cdist, q, node_payload(g, graph_node(g, e)));
			if (result->size < ef || ec.dist < HnswHeapTop(result)->dist)
			{
				ec.idx = e;
				HnswHeapPush(cand, &ec);
				HnswHeapPush(result, &ec);
				if (result->size > ef)
					HnswHeapPop(result);
			}
		}
	}
}

/*
 * Pick up to keep of cands (sorted nearest first) with the heuristic, into
 * out[].  With reserve, the slots the heuristic leaves empty are filled
 * with the nearest candidates it pruned (HnswFillNeighbors), stored from
 * the list's end backwards, the nearest in its last slot; *reserve gets the
 * first slot they take (keep when none).  Returns the heuristic's count.
 */
static int
mem_select(BuildLocal *bl, int32 owner, HnswCandidate *cands, int ncands, int keep, int32 *out,
		   uint16 *reserve)
{
	const void **vecs = palloc(sizeof(void *) * ncands);
	bool	   *selected = palloc(sizeof(bool) * ncands);
	bool	   *kept = NULL;
	int			nsel = 0;
	int			nfill = 0;

	for (int i = 0; i < ncands; i++)
		vecs[i] = node_payload(bl->g, graph_node(bl->g, cands[i].idx));
	nsel = HnswSelectNeighbors(&bl->cdist, cands, ncands, vecs, keep, selected, (uint64) owner,
							   false);
	if (reserve != NULL && nsel < keep && ncands > nsel)
	{
		kept = palloc(sizeof(bool) * ncands);
		memcpy(kept, selected, sizeof(bool) * ncands);
		nfill = HnswFillNeighbors(&bl->cdist, cands, ncands, vecs, keep, selected, nsel) - nsel;
	}
	nsel = 0;
	for (int i = 0, f = 0; i < ncands; i++)
	{
		if (kept != NULL && selected[i] && !kept[i])
			out[keep - 1 - f++] = cands[i].idx;
		else if (selected[i])
			out[nsel++] = cands[i].idx;
	}
	if (reserve != NULL)
		*reserve = keep - nfill;
	pfree(vecs);
	pfree(selected);
	if (kept != NULL)
		pfree(kept);
	return nsel;
}

/* Make node s link to n on a layer, re-selecting its links when full. */
static void
mem_add_backlink(BuildLocal *bl, int32 s, int32 n, int layer)
{
	BuildGraph *g = bl->g;
	BuildNode  *node = graph_node(g, s);
	int			cap = layer == 0 ? node->links0 : g->m;
	uint16	   *counts = node_counts(node);
	int32	   *links = node_links(g, node, layer);

	node_lock(g, node, LW_EXCLUSIVE);
	if (counts[layer] < cap)
		links[counts[layer]++] = n;
	else
	{
		HnswCandidate *cands = palloc(sizeof(HnswCandidate) * (cap + 1));
		const char *svec = node_payload(g, node);

		for (int i = 0; i < cap; i++)
		{
			cands[i].idx = links[i];
			cands[i].dist = HnswDist(&bl->cdist, svec, node_payload(g, graph_node(g, links[i])));
		}
		cands[cap].idx = n;
		cands[cap].dist = HnswDist(&bl->cdist, svec, node_payload(g, graph_node(g, n)));
		qsort(cands, cap + 1, sizeof(HnswCandidate), HnswCandidateCmp);
		counts[layer] = mem_select(bl, s, cands, cap + 1, cap, links,
								   layer == 0 ? &node->reserve0 : NULL);
		pfree(cands);
	}
	node_unlock(g, node);
}

/* Insert node n (vector and level already set) into the graph. */
void
HnswMemInsert(BuildLocal *bl, int32 n)
{
	BuildGraph *g = bl->g;
	BuildNode  *node = graph_node(g, n);
	const char *q = node_payload(g, node);
	int			level = node->level;
	int32		ep;
	int			eplevel;
	bool		holds_entry_lock = false;
	HnswCandidate cur;
	HnswCandidate *entries;
	int			nentries;
	HnswHeap	cand;
	HnswHeap	result;
	int32	   *sel = palloc(sizeof(int32) * HnswLayerCapacity(g->m, 0) * (level + 1));
	int		   *nsel = palloc0(sizeof(int) * (level + 1));
	int			toplayer;
	uint16		reserve0 = node->links0;

	if (bl->dist.metric == HNSW_METRIC_IP)
		note_norm(bl, (char *) q);

	SpinLockAcquire(&g->mutex);
	ep = g->entry;
	eplevel = g->entry_level;
	SpinLockRelease(&g->mutex);

	if (ep < 0 || level > eplevel)
	{
		/* may become the entry: serialize with other such inserts */
		if (g->concurrent)
		{
			LWLockAcquire(&g->entry_lock, LW_EXCLUSIVE);
			holds_entry_lock = true;
		}
		SpinLockAcquire(&g->mutex);
		ep = g->entry;
		eplevel = g->entry_level;
		if (ep < 0)
		{
			g->entry = n;
			g->entry_level = level;
		}
		SpinLockRelease(&g->mutex);
		if (ep < 0)
		{
			if (holds_entry_lock)
				LWLockRelease(&g->entry_lock);
			return;
		}
		if (level <= eplevel && holds_entry_lock)
		{
			LWLockRelease(&g->entry_lock);
			holds_entry_lock = false;
		}
	}

	/* greedy descent above the node's level, but for the last layer */
	cur.idx = ep;
	cur.dist = HnswDist(&bl->cdist, q, node_payload(g, graph_node(g, ep)));
	for (int layer = eplevel; layer > level + 1; layer--)
	{
		bool		changed = true;

		while (changed)
		{
			BuildNode  *cn = graph_node(g, cur.idx);
			int			cnt;

			changed = false;
			node_lock(g, cn, LW_SHARED);
			cnt = node_counts(cn)[layer];
			memcpy(bl->linkbuf, node_links(g, cn, layer), sizeof(int32) * cnt);
			node_unlock(g, cn);
			for (int i = 0; i < cnt; i++)
			{
				float		dd = HnswDist(&bl->cdist, q,
										  node_payload(g, graph_node(g, bl->linkbuf[i])));

				if (dd < cur.dist)
				{
					cur.dist = dd;
					cur.idx = bl->linkbuf[i];
					changed = true;
				}
			}
		}
	}

	HnswHeapInit(&cand, g->efc * 2, false);
	HnswHeapInit(&result, g->efc + 1, true);
	entries = palloc(sizeof(HnswCandidate) * (g->efc + 1));
	entries[0] = cur;
	nentries = 1;

	/*
	 * Search the last layer above the node's level with a small beam (see
	 * hnsw.h), then every layer of the node with ef_construction.  Choose the
	 * links of every layer first and write them all before any other node
	 * links back: until then nothing can reach this node, so no concurrent
	 * insert finds it with empty lists, and no backlink another process adds
	 * to it can be overwritten by its own lists.
	 */
	toplayer = Min(level, eplevel);
	for (int layer = Min(level + 1, eplevel); layer >= 0; layer--)
	{
		int			nres;

		mem_search_layer(bl, q, entries, nentries,
						 layer > level ? HNSW_DESCENT_BEAM : g->efc, layer, &cand, &result);
		nres = result.size;
		for (int i = nres - 1; i >= 0; i--)
			entries[i] = HnswHeapPop(&result);
		nentries = nres;
		if (layer <= level)
			nsel[layer] = mem_select(bl, n, entries, nentries, layer == 0 ? node->links0 : g->m,
									 sel + layer * HnswLayerCapacity(g->m, 0),
									 layer == 0 ? &reserve0 : NULL);
	}

	node_lock(g, node, LW_EXCLUSIVE);
	for (int layer = toplayer; layer >= 0; layer--)
	{
		memcpy(node_links(g, node, layer), sel + layer * HnswLayerCapacity(g->m, 0),
			   sizeof(int32) * nsel[layer]);
		node_counts(node)[layer] = nsel[layer];
	}
	if (toplayer >= 0 && reserve0 < node->links0)
	{
		memcpy(node_links(g, node, 0) + reserve0, sel + reserve0,
			   sizeof(int32) * (node->links0 - reserve0));
		node->reserve0 = reserve0;
	}
	node_unlock(g, node);

	for (int layer = toplayer; layer >= 0; layer--)
		for (int i = 0; i < nsel[layer]; i++)
			mem_add_backlink(bl, sel[layer * HnswLayerCapacity(g->m, 0) + i], n, layer);

	if (level > eplevel)
	{
		SpinLockAcquire(&g->mutex);
		if (level > g->entry_level)
		{
			g->entry = n;
			g->entry_level = level;
		}
		SpinLockRelease(&g->mutex);
	}
	if (holds_entry_lock)
		LWLockRelease(&g->entry_lock);

	pfree(entries);
	pfree(cand.items);
	pfree(result.items);
	pfree(sel);
	pfree(nsel);
}

/*
 * Make node r link to node u on layer 0: append when r has a free slot,
 * else replace r's farthest link, provided u is nearer to r than that link's
 * target and the target keeps another in-link (so r's list gets no worse
 * by its own measure, and nothing loses its last way in).  False when r
 * takes no link to u.
 */
static bool
link_to(BuildLocal *bl, int32 r, int32 u, int32 *indegree)
{
	BuildGraph *g = bl->g;
	BuildNode  *s = graph_node(g, r);
	int32	   *slinks = node_links(g, s, 0);
	uint16	   *scount = &node_counts(s)[0];
	int			victim = -1;
	float		victim_dist = 0;

	for (int i = 0; i < *scount; i++)
		if (slinks[i] == u)
			return true;
	if (*scount < s->links0)
		slinks[(*scount)++] = u;
	else
	{
		float		udist = HnswDist(&bl->cdist, node_payload(g, s),
									 node_payload(g, graph_node(g, u)));

		for (int i = 0; i < *scount; i++)
		{
			float		dd;

			if (indegree[slinks[i]] < 2)
				continue;
			dd = HnswDist(&bl->cdist, node_payload(g, s),
						  node_payload(g, graph_node(g, slinks[i])));
			if (dd > udist && (victim < 0 || dd > victim_dist))
			{
				victim = i;
				victim_dist = dd;
			}
		}
		if (victim < 0)
			return false;
		indegree[slinks[victim]]--;
		slinks[victim] = u;
	}
	indegree[u]++;
	return true;
}

/*
 * Link u from one of cands[0..n) (nearest first): the first that takes the
 * link (link_to).  Returns whether one did.
 */
static bool
link_from_any(BuildLocal *bl, const int32 *cands, int n, int32 u, int32 *indegree)
{
	for (int i = 0; i < n; i++)
		if (cands[i] != u && link_to(bl, cands[i], u, indegree))
			return true;
	return false;
}

/*
 * Mark reached what layer-0 links lead to from start, breadth first, and
 * append it to queue (nnodes slots) after its first tail entries; returns
 * the new tail.
 */
int32
HnswGraphWalk(BuildGraph *g, int32 start, bool *reached, int32 *queue, int32 tail)
{
	int32		head = tail;

	if (reached[start])
		return tail;
	reached[start] = true;
	queue[tail++] = start;
	while (head < tail)
	{
		BuildNode  *node = graph_node(g, queue[head++]);

		for (int i = 0; i < node_counts(node)[0]; i++)
		{
			int32		t = node_links(g, node, 0)[i];

			if (!reached[t])
			{
				reached[t] = true;
				queue[tail++] = t;
			}
		}
	}
	return tail;
}

/*
 * Make every node reachable from the entry point through layer 0, as every
 * search's last layer must reach it.  The selection heuristic can prune a
 * node's only in-link (and, rarely, cut off a group of nodes), and no
 * search could then return it.  First each node without an in-link gets
 * one from the nearest of its own neighbours; then a walk from the entry
 * finds what is still cut off, and each such node is linked from the
 * nearest node a search from the entry finds (such a search only meets
 * reachable nodes), and what it leads to is walked.  Runs once all inserts
 * are done (no other process touches the graph).  Returns how many links
 * it added.
 */
int
HnswGraphConnect(BuildLocal *bl)
{
	BuildGraph *g = bl->g;
	int32		nnodes = g->nnodes;
	int32	   *indegree;
	bool	   *reached;
	int32	   *queue;
	int			linked = 0;
	HnswHeap	cand;
	HnswHeap	result;
	HnswCandidate *cands;
	int32	   *order;

	if (nnodes <= 1 || g->entry < 0)
		return 0;
	cands = palloc(sizeof(HnswCandidate) * (HnswLayerCapacity(g->m, 0) + 1));
	order = palloc(sizeof(int32) * (Max(HnswLayerCapacity(g->m, 0), g->efc) + 1));
	indegree = palloc0(sizeof(int32) * nnodes);
	reached = palloc(sizeof(bool) * nnodes);
	queue = palloc(sizeof(int32) * nnodes);
	for (int32 n = 0; n < nnodes; n++)
	{
		BuildNode  *node = graph_node(g, n);

		for (int i = 0; i < node_counts(node)[0]; i++)
			indegree[node_links(g, node, 0)[i]]++;
	}

	/* no in-link: the nearest of its own neighbours that takes it links back */
	for (int32 n = 0; n < nnodes; n++)
	{
		BuildNode  *node = graph_node(g, n);
		int			cnt = node_counts(node)[0];

		CHECK_FOR_INTERRUPTS();
		if (indegree[n] > 0 || n == g->entry || cnt == 0)
			continue;
		for (int i = 0; i < cnt; i++)
		{
			cands[i].idx = node_links(g, node, 0)[i];
			cands[i].dist = HnswDist(&bl->cdist, node_payload(g, node),
									 node_payload(g, graph_node(g, cands[i].idx)));
		}
		qsort(cands, cnt, sizeof(HnswCandidate), HnswCandidateCmp);
		for (int i = 0; i < cnt; i++)
			order[i] = cands[i].idx;
		if (link_from_any(bl, order, cnt, n, indegree))
			linked++;
	}

	/* still cut off from the entry: linked from what a search finds */
	HnswHeapInit(&cand, g->efc * 2, false);
	HnswHeapInit(&result, g->efc + 1, true);
	for (int round = 0; round < HNSW_REACH_ROUNDS; round++)
	{
		int			added = 0;

		memset(reached, 0, sizeof(bool) * nnodes);
		HnswGraphWalk(g, g->entry, reached, queue, 0);
		for (int32 u = 0; u < nnodes; u++)
		{
			const char *q;
			HnswCandidate ep;
			int			nres;

			CHECK_FOR_INTERRUPTS();
			if (reached[u])
				continue;
			q = node_payload(g, graph_node(g, u));
			ep.idx = g->entry;
			ep.dist = HnswDist(&bl->cdist, q, node_payload(g, graph_node(g, g->entry)));
			mem_search_layer(bl, q, &ep, 1, g->efc, 0, &cand, &result);
			/* result is a max-heap: it comes out farthest first */
			nres = result.size;
			for (int i = nres - 1; i >= 0; i--)
				order[i] = HnswHeapPop(&result).idx;
			if (link_from_any(bl, order, nres, u, indegree))
			{
				added++;
				HnswGraphWalk(g, u, reached, queue, 0);
			}
		}
		linked += added;
		if (added == 0)
			break;
	}
	pfree(cand.items);
	pfree(result.items);
	pfree(indegree);
	pfree(reached);
	pfree(queue);
	pfree(cands);
	pfree(order);
	return linked;
}
