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
/// (the state stays as it is) and a marker for high surrogates (decided with their pair, since most emoji are
/// separators). So the inner loop is the same whatever the options.</para>
/// <para>The automaton step has no loop and no data-dependent branch. Each state stores its trie children plus
/// shortcuts to the children of the deeper (depth ≥ 2) states on its fail chain, which are few; what is left of the
/// fail chain is at most one depth-1 state and the root, so the next state is the first hit of three independent
/// probes (own edge, depth-1 state's edge, root row), chosen with masks. A full DFA would also store every
/// state's edges to the depth-1 states, which is states × first characters: far too big for 50,000 Chinese words.</para>
/// <para>The double array keeps base, check and the depth-1 state's base in one 12-byte slot, bases are unique so a
/// state is identified by its base wherever it is stored, and a base's sign bit flags a state with outputs, so the
/// output test costs no extra load. Match starts are not tracked per character: a match walks back over the text.</para>
/// </remarks>
public sealed class TextMatcher
{
    private const ushort HighSurrogate = ushort.MaxValue;
    private const int MaxClasses = HighSurrogate - 2;
    private const int OutputFlag = int.MinValue;

    /// <summary>
    /// One double-array slot: the state reached by the edge that lands here. A state's identity is its base (bases
    /// are unique), so a state may sit in several slots (as a trie child and as a shortcut target) and behave the same.
    /// </summary>
    [StructLayout(LayoutKind.Sequential)]
    private struct Slot
    {
        public int Base;   // children and shortcuts at Base + class; sign bit: this state reports matches
        public int Check;  // the base of the state whose edge lands here, or -1 when free
        public int UpBase; // the base of the depth-1 state on this state's proper fail chain, or the root's
    }

    private readonly ushort[] _classOf;       // UTF-16 unit -> class (folded), the separator class or HighSurrogate
    private readonly ushort[] _highClassOf;   // high surrogate -> class when it is not part of a separator pair
    private readonly int _separator;          // the class of separators: leaves the state as it is
    private readonly Slot[] _slots;           // slot 0 is the root
    private readonly int[] _rootNext;         // class -> slot of the root's child, or 0
    private readonly int[] _nodeOfSlot;       // slot -> trie node (for outputs, off the hot path)
    private readonly int[] _outputLink;       // node -> nearest node on the fail chain with own outputs, or 0
    private readonly int[] _outStart;         // node -> first own output in _outPatterns
    private readonly int[] _outEnd;
    private readonly int[] _outTotal;         // node -> own plus inherited outputs
    private readonly int[] _outPatterns;
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
        _separator = AlphabetSize + 1; // a class no state has an edge for
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
        // free. Slot 0 is the root's own.
        var baseOf = new int[nodeCount];
        var used = new bool[Math.Max(1024, nodeCount * 2 + classes + 1)];
        var usedBase = new bool[used.Length];
        used[0] = true;
        var firstFree = 1;
        var maxBase = 0;
        var edgeCount = 0;
        foreach (var n in order)
        {
            var list = stored[n];
            edgeCount += list.Length;
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
        _slots = new Slot[length];
        _nodeOfSlot = new int[length];
        for (var s = 0; s < length; s++)
        {
            _slots[s].Check = -1;
        }
        var flagged = new bool[nodeCount];
        _outputLink = new int[nodeCount];
        _outStart = new int[nodeCount];
        _outEnd = new int[nodeCount];
        _outTotal = new int[nodeCount];
        var outputs = new List<int>();
        foreach (var n in order)
        {
            var f = failNode[n];
            _outputLink[n] = n == 0 ? 0 : ownOutputs[f] is not null ? f : _outputLink[f];
            _outStart[n] = outputs.Count;
            if (ownOutputs[n] is { } own)
            {
                outputs.AddRange(own);
            }
            _outEnd[n] = outputs.Count;
            _outTotal[n] = _outEnd[n] - _outStart[n] + (n == 0 ? 0 : _outTotal[f]);
            flagged[n] = _outTotal[n] > 0;
        }
        _outPatterns = [.. outputs];

        Slot StateRecord(int node, int check) => new()
        {
            Base = baseOf[node] | (flagged[node] ? OutputFlag : 0),
            Check = check,
            UpBase = baseOf[upNode[node]],
        };
        _slots[0] = StateRecord(0, -1);
        _rootNext = new int[classes];
        for (var n = 0; n < nodeCount; n++)
        {
            foreach (var (c, target) in stored[n])
            {
                var slot = baseOf[n] + c;
                _slots[slot] = StateRecord(target, baseOf[n]);
                _nodeOfSlot[slot] = target;
                if (n == 0)
                {
                    _rootNext[c] = slot;
                }
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

    /// <summary>Length of the double array (edges plus holes); memory is about 16 bytes per slot plus 130 KB.</summary>
    public int SlotCount { get; }

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

    /// <summary>
    /// Scans with four interleaved streams over quarters of the text when it is long enough, because one stream is
    /// bound by the latency of its dependent loads and the core can run four chains at once. A stream starts
    /// <see cref="MaxPatternLength"/> units before its quarter (so its state is exact on entry: a state never
    /// remembers more than that) and reports only matches ending inside its quarter, so each match is reported once.
    /// Returns whether the streams ran interleaved (their reports are then not in end order).
    /// </summary>
    private bool Scan(ReadOnlySpan<char> text, List<TextMatch>? matches, bool stopAtFirst, ref int count)
    {
        if (text.Length < InterleaveMinLength || text.Length < 16 * MaxPatternLength)
        {
            var s = 0;
            Run(text, ref s, 0, text.Length, 0, matches, stopAtFirst, ref count);
            return false;
        }
        ref var slots = ref MemoryMarshal.GetArrayDataReference(_slots);
        ref var rootNext = ref MemoryMarshal.GetArrayDataReference(_rootNext);
        ref var classOf = ref MemoryMarshal.GetArrayDataReference(_classOf);
        var separator = _separator;
        int r1 = text.Length / 4, r2 = text.Length / 2, r3 = text.Length / 4 * 3, e3 = text.Length;
        int i0 = 0, i1 = WarmStart(text, r1), i2 = WarmStart(text, r2), i3 = WarmStart(text, r3);
        int s0 = 0, s1 = 0, s2 = 0, s3 = 0;
        while (i0 < r1 && i1 < r2 && i2 < r3 && i3 < e3)
        {
            int c0 = Unsafe.Add(ref classOf, (nint)text[i0]);
            int c1 = Unsafe.Add(ref classOf, (nint)text[i1]);
            int c2 = Unsafe.Add(ref classOf, (nint)text[i2]);
            int c3 = Unsafe.Add(ref classOf, (nint)text[i3]);
            if ((c0 == HighSurrogate) | (c1 == HighSurrogate) | (c2 == HighSurrogate) | (c3 == HighSurrogate))
            {
                // Rare (emoji, extension-B characters): one character per stream the careful way.
                if (Run(text, ref s0, i0, i0 + 1, 0, matches, stopAtFirst, ref count)
                    | Run(text, ref s1, i1, i1 + 1, r1, matches, stopAtFirst, ref count)
                    | Run(text, ref s2, i2, i2 + 1, r2, matches, stopAtFirst, ref count)
                    | Run(text, ref s3, i3, i3 + 1, r3, matches, stopAtFirst, ref count))
                {
                    return true;
                }
                i0 += c0 == HighSurrogate && TextChars.IsSeparatorPair(text, i0) ? 2 : 1;
                i1 += c1 == HighSurrogate && TextChars.IsSeparatorPair(text, i1) ? 2 : 1;
                i2 += c2 == HighSurrogate && TextChars.IsSeparatorPair(text, i2) ? 2 : 1;
                i3 += c3 == HighSurrogate && TextChars.IsSeparatorPair(text, i3) ? 2 : 1;
                continue;
            }
            s0 = Step(ref slots, ref rootNext, s0, c0, separator);
            s1 = Step(ref slots, ref rootNext, s1, c1, separator);
            s2 = Step(ref slots, ref rootNext, s2, c2, separator);
            s3 = Step(ref slots, ref rootNext, s3, c3, separator);
            if ((Unsafe.Add(ref slots, s0).Base | Unsafe.Add(ref slots, s1).Base | Unsafe.Add(ref slots, s2).Base | Unsafe.Add(ref slots, s3).Base) < 0)
            {
                if (Emit(text, s0, c0, i0, 0, matches, stopAtFirst, ref count)
                    | Emit(text, s1, c1, i1, r1, matches, stopAtFirst, ref count)
                    | Emit(text, s2, c2, i2, r2, matches, stopAtFirst, ref count)
                    | Emit(text, s3, c3, i3, r3, matches, stopAtFirst, ref count))
                {
                    return true;
                }
            }
            i0++;
            i1++;
            i2++;
            i3++;
        }
        _ = Run(text, ref s0, i0, r1, 0, matches, stopAtFirst, ref count)
            || Run(text, ref s1, i1, r2, r1, matches, stopAtFirst, ref count)
            || Run(text, ref s2, i2, r3, r2, matches, stopAtFirst, ref count)
            || Run(text, ref s3, i3, e3, r3, matches, stopAtFirst, ref count);
        return true;
    }

    /// <summary>
    /// One stream from <paramref name="from"/> to <paramref name="to"/> (a separator pair at the end may carry it one
    /// past), reporting matches that end at or after <paramref name="reportFrom"/>. True when it stopped at a match.
    /// </summary>
    private bool Run(ReadOnlySpan<char> text, ref int state, int from, int to, int reportFrom, List<TextMatch>? matches, bool stopAtFirst, ref int count)
    {
        ref var slots = ref MemoryMarshal.GetArrayDataReference(_slots);
        ref var rootNext = ref MemoryMarshal.GetArrayDataReference(_rootNext);
        ref var classOf = ref MemoryMarshal.GetArrayDataReference(_classOf);
        var separator = _separator;
        var s = state;
        for (var i = from; i < to; i++)
        {
            int c = Unsafe.Add(ref classOf, (nint)text[i]);
            if (c == HighSurrogate && (c = HighSurrogateClass(text, ref i)) < 0)
            {
                continue;
            }
            s = Step(ref slots, ref rootNext, s, c, separator);
            if (Unsafe.Add(ref slots, s).Base < 0 && Emit(text, s, c, i, reportFrom, matches, stopAtFirst, ref count))
            {
                state = s;
                return true;
            }
        }
        state = s;
        return false;
    }

    /// <summary>Reports the outputs of state <paramref name="s"/> reached at <paramref name="i"/>; true when the scan should stop.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private bool Emit(ReadOnlySpan<char> text, int s, int c, int i, int reportFrom, List<TextMatch>? matches, bool stopAtFirst, ref int count)
    {
        if (_slots[s].Base >= 0 || c == _separator || i < reportFrom)
        {
            return false;
        }
        var node = _nodeOfSlot[s];
        count += _outTotal[node];
        if (matches is not null)
        {
            Report(text, i, node, matches);
        }
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
    /// The automaton's next state without a branch on the data: the state's own edge (trie child or shortcut), else
    /// the depth-1 fail state's edge, else the root's; a separator leaves the state unchanged. Selections are masks
    /// rather than conditionals so the JIT cannot turn them into mispredicted branches.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int Step(ref Slot slots, ref int rootNext, int s, int c, int separator)
    {
        ref var current = ref Unsafe.Add(ref slots, s);
        var own = (current.Base & int.MaxValue) + c;
        var up = current.UpBase + c;
        var next = Select(Unsafe.Add(ref slots, up).Check == current.UpBase, up, Unsafe.Add(ref rootNext, c));
        next = Select(Unsafe.Add(ref slots, own).Check == (current.Base & int.MaxValue), own, next);
        return Select(c == separator, s, next);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int Select(bool condition, int ifTrue, int ifFalse)
    {
        var mask = -(int)Unsafe.BitCast<bool, byte>(condition);
        return ifFalse ^ ((ifTrue ^ ifFalse) & mask);
    }

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

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void Report(ReadOnlySpan<char> text, int end, int node, List<TextMatch> matches)
    {
        for (var o = _outEnd[node] > _outStart[node] ? node : _outputLink[node]; o != 0; o = _outputLink[o])
        {
            var start = StartOf(text, end, _patternLength[_outPatterns[_outStart[o]]]);
            for (var j = _outStart[o]; j < _outEnd[o]; j++)
            {
                var p = _outPatterns[j];
                matches.Add(new TextMatch(p, _payload[p], start, end + 1 - start));
            }
        }
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
