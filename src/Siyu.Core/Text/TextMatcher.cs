using System.Buffers;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Siyu.Core.Text;

/// <summary>
/// One occurrence of a pattern: its index in the pattern list, its payload, and the span it covers in the original
/// text (separators inside the match included).
/// </summary>
public readonly record struct TextMatch(int Pattern, int Payload, int Start, int Length)
{
    public int End => Start + Length;
}

/// <summary>
/// A compiled multi-pattern matcher (Aho-Corasick over a double-array trie) for thousands to tens of thousands of
/// Chinese and English words: finds every occurrence of every pattern, overlaps included, in one pass, comparing
/// normalised text with normalised patterns (<see cref="TextNormalization"/>) and reporting spans of the original
/// text. Immutable after construction and safe to share between threads.
/// </summary>
/// <remarks>
/// <para>Normalisation is folded into the scan: a 64K-entry table maps every UTF-16 unit straight to a dense class id
/// after width, case and traditional→simplified folding; 0 for characters no pattern uses, one class for separators
/// (every state has an edge back to itself for it) and a marker for high surrogates (decided with their pair, since
/// most emoji are separators). So the inner loop is the same whatever the options.</para>
/// <para>The automaton step has no loop and no data-dependent branch. Each state stores its trie children plus
/// shortcuts to the children of the deeper (depth ≥ 2) states on its fail chain, which are few; what is left of the
/// fail chain is at most one depth-1 state and the root, whose row is full, so the next state is the first hit of
/// three independent probes (own edge, depth-1 state's edge, root row), chosen with masks. A full DFA would also
/// store every state's edges to the depth-1 states, which is states × first characters: far too big for 50,000
/// Chinese words.</para>
/// <para>A slot is one 64-bit word holding the target state as the scan carries it (base, depth-1 state's base,
/// output flag, count of patterns ending there) plus the edge's class as the check, so a probe is one load and the
/// next step needs no other. Long texts run as four streams in lock step; states with outputs are recorded without
/// a branch and reported after each chunk (Count just adds the count field). Match starts are not tracked per
/// character: a match walks back over the text.</para>
/// </remarks>
public sealed class TextMatcher
{
    private const ushort HighSurrogate = ushort.MaxValue;
    private const int MaxClasses = HighSurrogate - 2;

    /// <summary>One output of a state: its pattern, payload and normalised length, and whether it is the state's last.</summary>
    private readonly record struct Output(int Pattern, int Payload, int Length, bool Last);

    // A double-array slot is one 64-bit word: bits 43-63 the target state's base (on top, so one shift extracts it),
    // bits 22-42 the base of the depth-1 state on its fail chain (the root's, 0, when none), bit 21 its output flag,
    // bits 16-20 how many patterns end at the target (own and inherited, when below 32), bits 0-15 the check: the
    // class of the edge that lands here (all ones when free). A class check is as exact as a parent check: a probe
    // (b, c) lands on slot b + c, so an equal class means an equal parent. The scan carries the word it loaded as the
    // state, so a step needs no load to find the bases and a probe is one load; Count adds the count field and never
    // looks an output up.
    private const int BaseBits = 21;
    private const int BaseMask = (1 << BaseBits) - 1;
    private const int FlagShift = 21;
    private const int UpShift = FlagShift + 1;
    private const int BaseShift = UpShift + BaseBits;
    private const int CountShift = 16;
    private const int CountLimit = 32;
    private const long CountField = (long)(CountLimit - 1) << CountShift;
    private const long FlagBit = 1L << FlagShift;
    private const int FreeCheck = ushort.MaxValue;

    /// <summary>The most slots a matcher can have (bases are 21 bits).</summary>
    internal const int MaxSlots = BaseMask;

    private readonly ushort[] _classOf;       // UTF-16 unit -> class (folded), the separator class or HighSurrogate
    private readonly ushort[] _highClassOf;   // high surrogate -> class when it is not part of a separator pair
    private readonly int _separator;          // the class of separators: leaves the state as it is (without its flag)
    private readonly long[] _slots;           // slots 0 .. classes - 1 are the root's full row (the root's base is 0)
    private readonly long[] _outputsAt;       // base -> the base of the next state with outputs on its fail chain (0: none) << 32 | its first own output or -1
    private readonly Output[] _outputs;       // each state's own outputs in a row (one length: they are the same word)
    private readonly bool _countInSlots;      // every state's count fits the slot's count field
    private readonly int[] _patternLength;    // normalised length in UTF-16 units
    private readonly int[] _payload;

    /// <summary>Builds a matcher whose payloads are the pattern indices.</summary>
    public TextMatcher(IReadOnlyList<string> patterns, TextNormalization? normalization = null)
        : this(Indexed(patterns), normalization)
    {
    }

    /// <summary>
    /// Builds the matcher. Throws <see cref="ArgumentException"/> for a pattern that is empty once normalised (it would
    /// match everywhere). Duplicate patterns are kept and each is reported.
    /// </summary>
    public TextMatcher(IReadOnlyList<(string Pattern, int Payload)> patterns, TextNormalization? normalization = null)
    {
        ArgumentNullException.ThrowIfNull(patterns);
        var norm = normalization ?? TextNormalization.Default;
        Normalization = norm;
        PatternCount = patterns.Count;
        _patternLength = new int[patterns.Count];
        _payload = new int[patterns.Count];

        // 1. Normalise the patterns and give each character they use a dense class.
        var classOfChar = new Dictionary<char, ushort>();
        var words = new string[patterns.Count];
        for (var p = 0; p < patterns.Count; p++)
        {
            var (pattern, payload) = patterns[p];
            var word = norm.Apply(pattern ?? throw new ArgumentException($"Pattern {p} is null.", nameof(patterns)));
            if (word.Length == 0)
            {
                throw new ArgumentException($"Pattern {p} ('{pattern}') is empty once normalised.", nameof(patterns));
            }
            foreach (var c in word)
            {
                if (!classOfChar.ContainsKey(c))
                {
                    if (classOfChar.Count == MaxClasses)
                    {
                        throw new ArgumentException("Too many distinct characters.", nameof(patterns));
                    }
                    classOfChar[c] = (ushort)(classOfChar.Count + 1);
                }
            }
            words[p] = word;
            _patternLength[p] = word.Length;
            _payload[p] = payload;
            MaxPatternLength = Math.Max(MaxPatternLength, word.Length);
        }
        AlphabetSize = classOfChar.Count;
        _separator = AlphabetSize + 1; // the last class: each state's edge for it leads back to the state
        var classes = AlphabetSize + 2;
        (_classOf, _highClassOf) = BuildClassTable(norm, classOfChar, (ushort)_separator);

        // 2. A trie with node ids in insertion order; edges in one dictionary keyed by (node, class).
        var edges = new Dictionary<long, int>();
        var ownOutputs = new List<List<int>?> { null };
        var depth = new List<int> { 0 };
        for (var p = 0; p < words.Length; p++)
        {
            var node = 0;
            foreach (var c in words[p])
            {
                var key = ((long)node << 16) | classOfChar[c];
                if (!edges.TryGetValue(key, out var next))
                {
                    next = ownOutputs.Count;
                    edges[key] = next;
                    ownOutputs.Add(null);
                    depth.Add(depth[node] + 1);
                }
                node = next;
            }
            (ownOutputs[node] ??= []).Add(p);
        }
        var nodeCount = ownOutputs.Count;
        StateCount = nodeCount;

        // Children of each node, sorted by class, in a CSR layout.
        var childStart = new int[nodeCount + 1];
        foreach (var key in edges.Keys)
        {
            childStart[(int)(key >> 16) + 1]++;
        }
        for (var n = 0; n < nodeCount; n++)
        {
            childStart[n + 1] += childStart[n];
        }
        var childClass = new int[edges.Count];
        var childNode = new int[edges.Count];
        var fill = (int[])childStart.Clone();
        foreach (var (key, child) in edges)
        {
            var at = fill[(int)(key >> 16)]++;
            childClass[at] = (int)(key & 0xFFFF);
            childNode[at] = child;
        }
        for (var n = 0; n < nodeCount; n++)
        {
            Array.Sort(childClass, childNode, childStart[n], childStart[n + 1] - childStart[n]);
        }

        // 3. Breadth-first order: a node's fail target (shallower) is final before the node, and shallow states
        // (where the scan spends most of its time) end up together at the front of the array.
        var order = new int[nodeCount];
        var head = 0;
        var tail = 1;
        while (head < tail)
        {
            var n = order[head++];
            for (var e = childStart[n]; e < childStart[n + 1]; e++)
            {
                order[tail++] = childNode[e];
            }
        }

        // 4. Failure links, and for each node the depth-1 node on its proper fail chain (0: none).
        var failNode = new int[nodeCount]; // the root's children fail to the root: already 0
        var upNode = new int[nodeCount];
        for (var i = 1; i < nodeCount; i++)
        {
            var n = order[i];
            for (var e = childStart[n]; e < childStart[n + 1]; e++)
            {
                var c = (uint)childClass[e];
                var f = failNode[n];
                int next;
                while (!edges.TryGetValue(((long)f << 16) | c, out next) && f != 0)
                {
                    f = failNode[f];
                }
                failNode[childNode[e]] = next; // 0 (the root) when no suffix continues with c
            }
            var fail = failNode[n];
            upNode[n] = depth[fail] == 1 ? fail : depth[fail] >= 2 ? upNode[fail] : 0;
        }

        // 5. The edges each state stores: its trie children plus shortcuts to the children of the deeper (depth >= 2)
        // states on its fail chain, the deepest first. With those, the automaton's next state is one of three probes
        // that need no loop: this state's edge, else the depth-1 state's edge, else the root's.
        var stored = new (int Class, int Target)[nodeCount][];
        for (var i = 0; i < nodeCount; i++)
        {
            var n = order[i];
            var own = new (int, int)[childStart[n + 1] - childStart[n]];
            for (var e = childStart[n]; e < childStart[n + 1]; e++)
            {
                own[e - childStart[n]] = (childClass[e], childNode[e]);
            }
            stored[n] = n != 0 && depth[failNode[n]] >= 2 ? Merge(own, stored[failNode[n]]) : own;
        }

        // 6. Place the double array: each node gets the smallest unused base at which all its stored edges' slots are
        // free. The root has base 0 and a full row (every class, the separator's included), so its probe never misses.
        var baseOf = new int[nodeCount];
        var used = new bool[Math.Max(1024, nodeCount * 2 + classes + 1)];
        var usedBase = new bool[used.Length];
        Array.Fill(used, true, 0, classes);
        usedBase[0] = true;
        var firstFree = classes;
        var maxBase = 0;
        var edgeCount = 0;
        foreach (var n in order)
        {
            edgeCount += stored[n].Length;
            if (n == 0)
            {
                continue;
            }
            // Every state also has a separator edge back to itself (the separator class is the last), so a
            // separator needs no select of its own.
            var list = stored[n] = [.. stored[n], (_separator, n)];
            var c0 = list.Length > 0 ? list[0].Class : 1;
            var position = Math.Max(firstFree, c0);
            while (true)
            {
                if (position + classes >= used.Length)
                {
                    Array.Resize(ref used, used.Length * 2);
                    Array.Resize(ref usedBase, used.Length);
                }
                var b = position - c0;
                if ((list.Length == 0 || !used[position]) && !usedBase[b])
                {
                    var fits = true;
                    for (var e = 1; e < list.Length; e++)
                    {
                        if (used[b + list[e].Class])
                        {
                            fits = false;
                            break;
                        }
                    }
                    if (fits)
                    {
                        baseOf[n] = b;
                        usedBase[b] = true;
                        maxBase = Math.Max(maxBase, b);
                        foreach (var (c, _) in list)
                        {
                            used[b + c] = true;
                        }
                        break;
                    }
                }
                position++;
            }
            while (firstFree < used.Length && used[firstFree])
            {
                firstFree++;
            }
        }
        EdgeCount = edgeCount;

        // Room for base + any class (the separator's included) from every state, so the scan needs no bounds check.
        var length = maxBase + classes + 1;
        if (length > MaxSlots)
        {
            throw new ArgumentException($"Too many patterns: the automaton needs {length:N0} slots, at most {MaxSlots:N0} are possible.", nameof(patterns));
        }
        _slots = new long[length];
        _outputsAt = new long[length];
        var total = new int[nodeCount];
        var link = new int[nodeCount];
        var flagged = new bool[nodeCount];
        var outputs = new List<Output>();
        foreach (var n in order)
        {
            var f = failNode[n];
            link[n] = n == 0 ? 0 : ownOutputs[f] is not null ? f : link[f];
            _outputsAt[baseOf[n]] = ((long)baseOf[link[n]] << 32) | (uint)(ownOutputs[n] is null ? -1 : outputs.Count);
            var own = ownOutputs[n] ?? [];
            for (var o = 0; o < own.Count; o++)
            {
                outputs.Add(new Output(own[o], _payload[own[o]], _patternLength[own[o]], o == own.Count - 1));
            }
            total[n] = own.Count + (n == 0 ? 0 : total[f]);
            flagged[n] = total[n] > 0;
        }
        _outputs = [.. outputs];
        _countInSlots = total.Max() < CountLimit;
        long StateValue(int node) => ((long)baseOf[node] << BaseShift) | ((long)baseOf[upNode[node]] << UpShift)
            | ((long)Math.Min(total[node], CountLimit - 1) << CountShift) | (flagged[node] ? FlagBit : 0);
        for (var c = 0; c < classes; c++)
        {
            _slots[c] = c; // the root's row: back to the root unless the root has an edge
        }
        for (var n = 0; n < nodeCount; n++)
        {
            foreach (var (c, target) in stored[n])
            {
                var slot = baseOf[n] + c;
                // The separator edge keeps the state but not its flag and count: nothing new ends at a separator.
                _slots[slot] = (c == _separator ? StateValue(target) & ~(FlagBit | CountField) : StateValue(target)) | (uint)c;
            }
        }
        SlotCount = length;
    }

    private static (int Class, int Target)[] Merge((int Class, int Target)[] own, (int Class, int Target)[] inherited)
    {
        if (inherited.Length == 0)
        {
            return own;
        }
        var merged = new List<(int, int)>(own.Length + inherited.Length);
        int i = 0, j = 0;
        while (i < own.Length || j < inherited.Length)
        {
            if (j == inherited.Length || (i < own.Length && own[i].Class <= inherited[j].Class))
            {
                if (j < inherited.Length && own[i].Class == inherited[j].Class)
                {
                    j++; // the state's own edge wins: it is the longer suffix
                }
                merged.Add(own[i++]);
            }
            else
            {
                merged.Add(inherited[j++]);
            }
        }
        return [.. merged];
    }

    public TextNormalization Normalization { get; }

    public int PatternCount { get; }

    /// <summary>Distinct characters in the normalised patterns.</summary>
    public int AlphabetSize { get; }

    /// <summary>Trie states including the root.</summary>
    public int StateCount { get; }

    /// <summary>Stored edges: trie edges plus fail-chain shortcuts.</summary>
    public int EdgeCount { get; }

    /// <summary>Length of the double array (edges plus holes).</summary>
    public int SlotCount { get; }

    /// <summary>Bytes held by the compiled tables (double array, output tables, class tables), without object headers.</summary>
    public long MemoryBytes =>
        (_slots.LongLength + _outputsAt.LongLength) * sizeof(long) + _outputs.LongLength * 16
        + (_patternLength.LongLength + _payload.LongLength) * sizeof(int)
        + (_classOf.LongLength + _highClassOf.LongLength) * sizeof(ushort);

    /// <summary>Longest pattern, in normalised UTF-16 units.</summary>
    public int MaxPatternLength { get; }

    /// <summary>The payload given with pattern <paramref name="pattern"/>.</summary>
    public int PayloadOf(int pattern) => _payload[pattern];

    /// <summary>All matches in <paramref name="text"/>.</summary>
    public List<TextMatch> FindAll(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var matches = new List<TextMatch>();
        FindAll(text, matches);
        return matches;
    }

    /// <summary>
    /// Appends every match to <paramref name="matches"/> in order of their end (for one end, longest first, then by
    /// pattern index) and returns how many were added. Allocates nothing unless the list grows.
    /// </summary>
    public int FindAll(ReadOnlySpan<char> text, List<TextMatch> matches)
    {
        ArgumentNullException.ThrowIfNull(matches);
        var before = matches.Count;
        var count = 0;
        if (Scan(text, matches, stopAtFirst: false, ref count))
        {
            Regroup(CollectionsMarshal.AsSpan(matches)[before..], text.Length);
        }
        return matches.Count - before;
    }

    /// <summary>
    /// Restores the single-pass order after an interleaved scan. Each stream reports in order and owns a quarter of
    /// the ends, so a stable counting sort by quarter (linear, unlike a comparison sort) is enough.
    /// </summary>
    private static void Regroup(Span<TextMatch> found, int length)
    {
        if (found.Length < 2)
        {
            return;
        }
        int r1 = length / 4, r2 = length / 2, r3 = length / 4 * 3;
        Span<int> next = stackalloc int[4];
        foreach (var m in found)
        {
            next[Quarter(m.End - 1)]++;
        }
        for (int q = 3, total = found.Length; q >= 0; q--)
        {
            total -= next[q];
            next[q] = total;
        }
        var buffer = ArrayPool<TextMatch>.Shared.Rent(found.Length);
        foreach (var m in found)
        {
            buffer[next[Quarter(m.End - 1)]++] = m;
        }
        buffer.AsSpan(0, found.Length).CopyTo(found);
        ArrayPool<TextMatch>.Shared.Return(buffer);

        int Quarter(int end) => end < r1 ? 0 : end < r2 ? 1 : end < r3 ? 2 : 3;
    }

    /// <summary>How many matches <see cref="FindAll(ReadOnlySpan{char}, List{TextMatch})"/> would report, without reporting them.</summary>
    public int Count(ReadOnlySpan<char> text)
    {
        var count = 0;
        Scan(text, null, stopAtFirst: false, ref count);
        return count;
    }

    /// <summary>Whether any pattern occurs in <paramref name="text"/> (stops at the first match).</summary>
    public bool ContainsAny(ReadOnlySpan<char> text)
    {
        var count = 0;
        Scan(text, null, stopAtFirst: true, ref count);
        return count > 0;
    }

    /// <summary>Texts shorter than this are scanned as one stream (the warm-ups would not pay).</summary>
    internal const int InterleaveMinLength = 256;

    /// <summary>Steps of the four streams between two drains of the candidate buffer (four candidates a step at most).</summary>
    internal const int ChunkSteps = 256;

    /// <summary>
    /// Scans with four interleaved streams over quarters of the text when it is long enough, because one stream is
    /// bound by the latency of its dependent loads and the core can run four chains at once. Streams 1–3 first warm up
    /// over the <see cref="MaxPatternLength"/> units before their quarter without reporting (a state never remembers
    /// more than that), so each match is reported once, by the stream whose quarter it ends in. Returns whether the
    /// streams ran interleaved (their reports are then not in end order).
    /// </summary>
    private bool Scan(ReadOnlySpan<char> text, List<TextMatch>? matches, bool stopAtFirst, ref int count)
    {
        if (text.Length < InterleaveMinLength || text.Length < 16 * MaxPatternLength)
        {
            var s = 0L;
            var i = 0;
            Run(text, ref s, ref i, text.Length, 0, matches, stopAtFirst, ref count);
            return false;
        }
        int r1 = text.Length / 4, r2 = text.Length / 2, r3 = text.Length / 4 * 3, e3 = text.Length;
        var streams = new Streams { I1 = WarmStart(text, r1), I2 = WarmStart(text, r2), I3 = WarmStart(text, r3) };
        // Nothing ends inside a warm-up at or after its quarter's start: the warm-up stops there.
        Run(text, ref streams.S1, ref streams.I1, r1, int.MaxValue, null, false, ref count);
        Run(text, ref streams.S2, ref streams.I2, r2, int.MaxValue, null, false, ref count);
        Run(text, ref streams.S3, ref streams.I3, r3, int.MaxValue, null, false, ref count);
        if (AlphabetSize + 2 < SurrogateBit)
        {
            Span<long> candidates = stackalloc long[4 * ChunkSteps];
            ref var chars = ref MemoryMarshal.GetReference(text);
            ref var classOf = ref MemoryMarshal.GetArrayDataReference(_classOf);
            ref var slots = ref MemoryMarshal.GetArrayDataReference(_slots);
            ref var found = ref MemoryMarshal.GetReference(candidates);
            while (true)
            {
                var n = Math.Min(Math.Min(r1 - streams.I0, r2 - streams.I1), Math.Min(r3 - streams.I2, e3 - streams.I3));
                if (n <= 0)
                {
                    break;
                }
                var from = streams;
                int steps, hits;
                if (matches is null && !stopAtFirst && _countInSlots)
                {
                    steps = CountKernel(ref streams, ref chars, Math.Min(n, ChunkSteps), ref classOf, ref slots, ref count);
                    hits = 0;
                }
                else
                {
                    steps = Kernel(ref streams, ref chars, Math.Min(n, ChunkSteps), ref classOf, ref slots, ref found, out hits);
                }
                for (var h = 0; h < hits; h++)
                {
                    // A candidate: the stream (low 2 bits), its step in this chunk, and the base of the state reached.
                    var e = candidates[h];
                    var k = (int)e & 3;
                    var at = (k switch { 0 => from.I0, 1 => from.I1, 2 => from.I2, _ => from.I3 }) + ((int)e >> 2);
                    count += Report(text, at, (int)(e >> BaseShift) & BaseMask, matches);
                    if (stopAtFirst)
                    {
                        return true;
                    }
                }
                if (steps < Math.Min(n, ChunkSteps))
                {
                    // A high surrogate in some stream (emoji, extension-B characters): one character per stream the careful way.
                    if (Run(text, ref streams.S0, ref streams.I0, streams.I0 + 1, 0, matches, stopAtFirst, ref count)
                        | Run(text, ref streams.S1, ref streams.I1, streams.I1 + 1, r1, matches, stopAtFirst, ref count)
                        | Run(text, ref streams.S2, ref streams.I2, streams.I2 + 1, r2, matches, stopAtFirst, ref count)
                        | Run(text, ref streams.S3, ref streams.I3, streams.I3 + 1, r3, matches, stopAtFirst, ref count))
                    {
                        return true;
                    }
                }
            }
        }
        _ = Run(text, ref streams.S0, ref streams.I0, r1, 0, matches, stopAtFirst, ref count)
            || Run(text, ref streams.S1, ref streams.I1, r2, r1, matches, stopAtFirst, ref count)
            || Run(text, ref streams.S2, ref streams.I2, r3, r2, matches, stopAtFirst, ref count)
            || Run(text, ref streams.S3, ref streams.I3, e3, r3, matches, stopAtFirst, ref count);
        return true;
    }

    /// <summary>Classes below this; the high-surrogate marker has it, so one test of the four classes OR-ed finds any.</summary>
    private const int SurrogateBit = 0x8000;

    /// <summary>The four streams' positions and states.</summary>
    private struct Streams
    {
        public int I0, I1, I2, I3;
        public long S0, S1, S2, S3;
    }

    /// <summary>
    /// Up to <paramref name="n"/> steps of the four streams in lock step, with no branch on the data but the rare
    /// high surrogate (stops before it, returning the steps done). States reached with outputs are appended to
    /// <paramref name="found"/> without a branch (the slot is always written, the count moves only for a hit), as
    /// <c>base &lt;&lt; 32 | step &lt;&lt; 2 | stream</c>.
    /// </summary>
    private static int Kernel(ref Streams streams, ref char text, int n, ref ushort classOf, ref long slots, ref long found, out int hits)
    {
        ref var t0 = ref Unsafe.Add(ref text, streams.I0);
        ref var t1 = ref Unsafe.Add(ref text, streams.I1);
        ref var t2 = ref Unsafe.Add(ref text, streams.I2);
        ref var t3 = ref Unsafe.Add(ref text, streams.I3);
        long s0 = streams.S0, s1 = streams.S1, s2 = streams.S2, s3 = streams.S3;
        var h = 0;
        var j = 0;
        for (; j < n; j++)
        {
            int c0 = Unsafe.Add(ref classOf, (nint)Unsafe.Add(ref t0, j));
            int c1 = Unsafe.Add(ref classOf, (nint)Unsafe.Add(ref t1, j));
            int c2 = Unsafe.Add(ref classOf, (nint)Unsafe.Add(ref t2, j));
            int c3 = Unsafe.Add(ref classOf, (nint)Unsafe.Add(ref t3, j));
            if (((c0 | c1 | c2 | c3) & SurrogateBit) != 0)
            {
                break;
            }
            s0 = Step(ref slots, s0, c0);
            s1 = Step(ref slots, s1, c1);
            s2 = Step(ref slots, s2, c2);
            s3 = Step(ref slots, s3, c3);
            var tag = (long)(j << 2);
            Unsafe.Add(ref found, h) = (s0 & StateBaseMask) | tag;
            h += (int)(s0 >> FlagShift) & 1;
            Unsafe.Add(ref found, h) = (s1 & StateBaseMask) | (tag + 1);
            h += (int)(s1 >> FlagShift) & 1;
            Unsafe.Add(ref found, h) = (s2 & StateBaseMask) | (tag + 2);
            h += (int)(s2 >> FlagShift) & 1;
            Unsafe.Add(ref found, h) = (s3 & StateBaseMask) | (tag + 3);
            h += (int)(s3 >> FlagShift) & 1;
        }
        streams.I0 += j;
        streams.I1 += j;
        streams.I2 += j;
        streams.I3 += j;
        streams.S0 = s0;
        streams.S1 = s1;
        streams.S2 = s2;
        streams.S3 = s3;
        hits = h;
        return j;
    }

    /// <summary>
    /// <see cref="Kernel"/> for <see cref="Count"/>: adds each state's count field instead of recording candidates
    /// (a separator's edge back to the same state clears the field along with the flag, so nothing is counted twice).
    /// </summary>
    private static int CountKernel(ref Streams streams, ref char text, int n, ref ushort classOf, ref long slots, ref int count)
    {
        ref var t0 = ref Unsafe.Add(ref text, streams.I0);
        ref var t1 = ref Unsafe.Add(ref text, streams.I1);
        ref var t2 = ref Unsafe.Add(ref text, streams.I2);
        ref var t3 = ref Unsafe.Add(ref text, streams.I3);
        long s0 = streams.S0, s1 = streams.S1, s2 = streams.S2, s3 = streams.S3;
        var total = 0L;
        var j = 0;
        for (; j < n; j++)
        {
            int c0 = Unsafe.Add(ref classOf, (nint)Unsafe.Add(ref t0, j));
            int c1 = Unsafe.Add(ref classOf, (nint)Unsafe.Add(ref t1, j));
            int c2 = Unsafe.Add(ref classOf, (nint)Unsafe.Add(ref t2, j));
            int c3 = Unsafe.Add(ref classOf, (nint)Unsafe.Add(ref t3, j));
            if (((c0 | c1 | c2 | c3) & SurrogateBit) != 0)
            {
                break;
            }
            s0 = Step(ref slots, s0, c0);
            s1 = Step(ref slots, s1, c1);
            s2 = Step(ref slots, s2, c2);
            s3 = Step(ref slots, s3, c3);
            total += ((s0 & CountField) + (s1 & CountField)) + ((s2 & CountField) + (s3 & CountField));
        }
        streams.I0 += j;
        streams.I1 += j;
        streams.I2 += j;
        streams.I3 += j;
        streams.S0 = s0;
        streams.S1 = s1;
        streams.S2 = s2;
        streams.S3 = s3;
        count += (int)(total >> CountShift);
        return j;
    }

    private const long StateBaseMask = ~((1L << BaseShift) - 1);

    /// <summary>
    /// One stream from <paramref name="i"/> to <paramref name="to"/> (a separator pair at the end may carry it one
    /// past), reporting matches that end at or after <paramref name="reportFrom"/>. True when it stopped at a match.
    /// </summary>
    private bool Run(ReadOnlySpan<char> text, ref long state, ref int i, int to, int reportFrom, List<TextMatch>? matches, bool stopAtFirst, ref int count)
    {
        ref var slots = ref MemoryMarshal.GetArrayDataReference(_slots);
        ref var classOf = ref MemoryMarshal.GetArrayDataReference(_classOf);
        var s = state;
        var at = i;
        for (; at < to; at++)
        {
            int c = Unsafe.Add(ref classOf, (nint)text[at]);
            if (c == HighSurrogate && (c = HighSurrogateClass(text, ref at)) < 0)
            {
                continue;
            }
            s = Step(ref slots, s, c);
            if ((s & FlagBit) != 0 && at >= reportFrom && Emit(text, s, at, matches, stopAtFirst, ref count))
            {
                state = s;
                i = at + 1;
                return true;
            }
        }
        state = s;
        i = at;
        return false;
    }

    /// <summary>Reports the outputs of state <paramref name="s"/> reached at <paramref name="i"/>; true when the scan should stop.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private bool Emit(ReadOnlySpan<char> text, long s, int i, List<TextMatch>? matches, bool stopAtFirst, ref int count)
    {
        count += Report(text, i, (int)(s >> BaseShift) & BaseMask, matches);
        return stopAtFirst;
    }

    /// <summary>Where a stream must start for its state to be exact at <paramref name="position"/>: <see cref="MaxPatternLength"/> units before it.</summary>
    private int WarmStart(ReadOnlySpan<char> text, int position)
    {
        var j = position - 1;
        var units = MaxPatternLength;
        while (j >= 0 && units > 0)
        {
            if (_classOf[text[j]] == _separator
                || (_highClassOf.Length > 0 && char.IsLowSurrogate(text[j]) && j > 0 && TextChars.IsSeparatorPair(text, j - 1)))
            {
                j -= char.IsLowSurrogate(text[j]) ? 2 : 1;
                continue;
            }
            units--;
            j--;
        }
        return j + 1;
    }

    /// <summary>
    /// The automaton's next state without a branch on the data: the state's own edge (trie child, shortcut, or for a
    /// separator the edge back to itself without flag and count), else the depth-1 fail state's edge, else the root's
    /// full row. The three probes depend only on the current state's value, not on each other, and the slots hold the
    /// next state's value, so a step is one round of loads. Selections are masks rather than conditionals so the JIT
    /// cannot turn them into mispredicted branches (it does not if-convert in loops).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static long Step(ref long slots, long s, int c)
    {
        var own = (int)((ulong)s >> BaseShift);
        var up = (int)(s >> UpShift) & BaseMask;
        var ownSlot = Unsafe.Add(ref slots, (nint)(uint)(own + c));
        var upSlot = Unsafe.Add(ref slots, (nint)(uint)(up + c));
        var next = Pick(Same((ushort)upSlot, c), upSlot, Unsafe.Add(ref slots, (nint)(uint)c));
        next = Pick(Same((ushort)ownSlot, c), ownSlot, next);
        return next;
    }

    /// <summary>All ones when <paramref name="a"/> equals <paramref name="b"/> (both below 2^31), else 0; fewer instructions than a compare and set.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static long Same(int a, int b) => (long)((uint)(a ^ b) - 1L) >> 63;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static long Pick(long mask, long ifTrue, long ifFalse) => ifFalse ^ ((ifTrue ^ ifFalse) & mask);


    /// <summary>A high surrogate: a separator pair (most emoji) is skipped whole (returns -1), else its class.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private int HighSurrogateClass(ReadOnlySpan<char> text, ref int i)
    {
        if (TextChars.IsSeparatorPair(text, i))
        {
            i++;
            return -1;
        }
        return _highClassOf[text[i] - 0xD800];
    }

    /// <summary>Appends the matches of the state with base <paramref name="at"/> reached at <paramref name="end"/> (when asked) and returns how many there are.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private int Report(ReadOnlySpan<char> text, int end, int at, List<TextMatch>? matches)
    {
        var states = _outputsAt;
        var all = _outputs;
        var reported = 0;
        for (var o = at; o != 0;)
        {
            var entry = states[o];
            o = (int)(entry >> 32);
            var j = (int)entry;
            if (j < 0)
            {
                continue; // only the state reached can have no own outputs
            }
            var start = matches is null ? 0 : StartOf(text, end, all[j].Length);
            while (true)
            {
                reported++;
                var output = all[j++];
                matches?.Add(new TextMatch(output.Pattern, output.Payload, start, end + 1 - start));
                if (output.Last)
                {
                    break;
                }
            }
        }
        return reported;
    }

    /// <summary>
    /// Where the match of <paramref name="units"/> normalised units ending at <paramref name="end"/> starts: walks back
    /// with the same separator rules as the forward scan (a separator pair is recognised from its low half).
    /// </summary>
    private int StartOf(ReadOnlySpan<char> text, int end, int units)
    {
        var j = end;
        while (true)
        {
            if (_classOf[text[j]] == _separator
                || (_highClassOf.Length > 0 && char.IsLowSurrogate(text[j]) && j > 0 && TextChars.IsSeparatorPair(text, j - 1)))
            {
                j -= char.IsLowSurrogate(text[j]) ? 2 : 1;
                continue;
            }
            if (--units == 0)
            {
                return j;
            }
            j--;
        }
    }

    private static (ushort[] ClassOf, ushort[] HighClassOf) BuildClassTable(
        TextNormalization norm, Dictionary<char, ushort> classOfChar, ushort separator)
    {
        var classOf = new ushort[65536];
        var highClassOf = norm.SkipSeparators ? new ushort[1024] : [];
        for (var u = 0; u < 65536; u++)
        {
            var folded = norm.Fold((char)u);
            var cls = classOfChar.GetValueOrDefault(folded);
            if (norm.SkipSeparators && char.IsHighSurrogate((char)u))
            {
                highClassOf[u - 0xD800] = cls;
                classOf[u] = HighSurrogate;
            }
            else if (norm.SkipSeparators && TextChars.IsSeparator(folded))
            {
                classOf[u] = separator;
            }
            else
            {
                classOf[u] = cls;
            }
        }
        return (classOf, highClassOf);
    }

    private static (string, int)[] Indexed(IReadOnlyList<string> patterns)
    {
        ArgumentNullException.ThrowIfNull(patterns);
        var indexed = new (string, int)[patterns.Count];
        for (var i = 0; i < indexed.Length; i++)
        {
            indexed[i] = (patterns[i], i);
        }
        return indexed;
    }
}
