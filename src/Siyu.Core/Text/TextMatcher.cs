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
/// after width, case and traditional→simplified folding; 0 for characters no pattern uses (back to the root), and
/// two markers for separators (skipped) and high surrogates (decided with their pair, since most emoji are
/// separators). So the inner loop is one table load plus a double-array step per character, whatever the options.</para>
/// <para>The double array interleaves base and check so a step touches one cache line; a state whose own or
/// inherited outputs are non-empty has its base's sign bit set, so the per-character output test costs no extra
/// load. Match starts are not tracked per character: the rare match walks back over the text instead.</para>
/// </remarks>
public sealed class TextMatcher
{
    private const ushort Skip = ushort.MaxValue;
    private const ushort HighSurrogate = ushort.MaxValue - 1;
    private const int MaxClasses = HighSurrogate - 1;
    private const int OutputFlag = int.MinValue;

    [StructLayout(LayoutKind.Sequential)]
    private struct Slot
    {
        public int Base;  // children at (Base & int.MaxValue) + class; sign bit: this state reports matches
        public int Check; // the parent's slot, or -1 when free
    }

    private readonly ushort[] _classOf;       // UTF-16 unit -> class (folded), Skip or HighSurrogate
    private readonly ushort[] _highClassOf;   // high surrogate -> class when it is not part of a separator pair
    private readonly Slot[] _slots;
    private readonly int[] _fail;             // slot -> slot of the longest proper suffix that is a trie state
    private readonly int[] _outputLink;       // slot -> nearest slot on the fail chain with own outputs, or 0
    private readonly int[] _outStart;         // slot -> first own output in _outPatterns (by slot order)
    private readonly int[] _outEnd;
    private readonly int[] _outTotal;         // slot -> own plus inherited outputs
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
        (_classOf, _highClassOf) = BuildClassTable(norm, classOfChar);

        // 2. A trie with node ids in insertion order; edges in one dictionary keyed by (node, class).
        var edges = new Dictionary<long, int>();
        var ownOutputs = new List<List<int>?> { null };
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

        // 3. Breadth-first order: parents are placed before children, and shallow states (where the scan spends most
        // of its time) end up together at the front of the array.
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

        // 4. Place the double array: each node gets the smallest base at which all its children's slots are free.
        var slotOf = new int[nodeCount];
        var baseOf = new int[nodeCount];
        var used = new bool[Math.Max(1024, nodeCount * 2 + AlphabetSize + 1)];
        used[0] = true;
        var firstFree = 1;
        var maxSlot = 0;
        foreach (var n in order)
        {
            var from = childStart[n];
            var to = childStart[n + 1];
            if (from == to)
            {
                continue;
            }
            var c0 = childClass[from];
            var position = Math.Max(firstFree, c0);
            while (true)
            {
                if (position + AlphabetSize >= used.Length)
                {
                    Array.Resize(ref used, used.Length * 2);
                }
                if (!used[position])
                {
                    var b = position - c0;
                    var fits = true;
                    for (var e = from + 1; e < to; e++)
                    {
                        if (used[b + childClass[e]])
                        {
                            fits = false;
                            break;
                        }
                    }
                    if (fits)
                    {
                        baseOf[n] = b;
                        for (var e = from; e < to; e++)
                        {
                            var s = b + childClass[e];
                            used[s] = true;
                            slotOf[childNode[e]] = s;
                            maxSlot = Math.Max(maxSlot, s);
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

        // Room for base + any class from every slot, so the scan needs no bounds check.
        var maxBase = 0;
        foreach (var b in baseOf)
        {
            maxBase = Math.Max(maxBase, b);
        }
        var length = Math.Max(maxSlot, maxBase + AlphabetSize) + 1;
        _slots = new Slot[length];
        for (var s = 0; s < length; s++)
        {
            _slots[s].Check = -1;
        }
        for (var n = 0; n < nodeCount; n++)
        {
            _slots[slotOf[n]].Base = baseOf[n];
            for (var e = childStart[n]; e < childStart[n + 1]; e++)
            {
                _slots[slotOf[childNode[e]]].Check = slotOf[n];
            }
        }

        // 5. Failure and output links, breadth-first so a node's fail target (shallower) is final before the node.
        _fail = new int[length];
        _outputLink = new int[length];
        _outStart = new int[length];
        _outEnd = new int[length];
        _outTotal = new int[length];
        var failNode = new int[nodeCount]; // the root's children fail to the root: already 0
        var outputs = new List<int>();
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
        }
        for (var i = 1; i < nodeCount; i++)
        {
            var n = order[i];
            var slot = slotOf[n];
            var f = failNode[n];
            _fail[slot] = slotOf[f];
            _outputLink[slot] = ownOutputs[f] is not null ? slotOf[f] : _outputLink[slotOf[f]];
            _outStart[slot] = outputs.Count;
            if (ownOutputs[n] is { } own)
            {
                outputs.AddRange(own);
            }
            _outEnd[slot] = outputs.Count;
            _outTotal[slot] = _outEnd[slot] - _outStart[slot] + _outTotal[slotOf[f]];
            if (_outTotal[slot] > 0)
            {
                _slots[slot].Base |= OutputFlag;
            }
        }
        _outPatterns = [.. outputs];
        SlotCount = length;
    }

    public TextNormalization Normalization { get; }

    public int PatternCount { get; }

    /// <summary>Distinct characters in the normalised patterns.</summary>
    public int AlphabetSize { get; }

    /// <summary>Trie states including the root.</summary>
    public int StateCount { get; }

    /// <summary>Length of the double array (states plus holes); memory is about 28 bytes per slot plus 192 KB.</summary>
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
    /// Appends every match to <paramref name="matches"/> in order of their end (for one end, longest first) and
    /// returns how many were added. Allocates nothing unless the list grows.
    /// </summary>
    public int FindAll(ReadOnlySpan<char> text, List<TextMatch> matches)
    {
        ArgumentNullException.ThrowIfNull(matches);
        var before = matches.Count;
        ref var slots = ref MemoryMarshal.GetArrayDataReference(_slots);
        ref var classOf = ref MemoryMarshal.GetArrayDataReference(_classOf);
        var s = 0;
        for (var i = 0; i < text.Length; i++)
        {
            int c = Unsafe.Add(ref classOf, (nint)text[i]);
            if (c >= HighSurrogate && (c = Special(text, ref i, c)) < 0)
            {
                continue;
            }
            s = Step(ref slots, s, c);
            if (Unsafe.Add(ref slots, s).Base < 0)
            {
                Report(text, i, s, matches);
            }
        }
        return matches.Count - before;
    }

    /// <summary>How many matches <see cref="FindAll(ReadOnlySpan{char}, List{TextMatch})"/> would report, without reporting them.</summary>
    public int Count(ReadOnlySpan<char> text)
    {
        ref var slots = ref MemoryMarshal.GetArrayDataReference(_slots);
        ref var classOf = ref MemoryMarshal.GetArrayDataReference(_classOf);
        var s = 0;
        var count = 0;
        for (var i = 0; i < text.Length; i++)
        {
            int c = Unsafe.Add(ref classOf, (nint)text[i]);
            if (c >= HighSurrogate && (c = Special(text, ref i, c)) < 0)
            {
                continue;
            }
            s = Step(ref slots, s, c);
            if (Unsafe.Add(ref slots, s).Base < 0)
            {
                count += _outTotal[s];
            }
        }
        return count;
    }

    /// <summary>Whether any pattern occurs in <paramref name="text"/> (stops at the first match).</summary>
    public bool ContainsAny(ReadOnlySpan<char> text)
    {
        ref var slots = ref MemoryMarshal.GetArrayDataReference(_slots);
        ref var classOf = ref MemoryMarshal.GetArrayDataReference(_classOf);
        var s = 0;
        for (var i = 0; i < text.Length; i++)
        {
            int c = Unsafe.Add(ref classOf, (nint)text[i]);
            if (c >= HighSurrogate && (c = Special(text, ref i, c)) < 0)
            {
                continue;
            }
            s = Step(ref slots, s, c);
            if (Unsafe.Add(ref slots, s).Base < 0)
            {
                return true;
            }
        }
        return false;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private int Step(ref Slot slots, int s, int c)
    {
        if (c == 0)
        {
            return 0; // no pattern uses this character: no state survives it
        }
        while (true)
        {
            var t = (Unsafe.Add(ref slots, s).Base & int.MaxValue) + c;
            if (Unsafe.Add(ref slots, t).Check == s)
            {
                return t;
            }
            if (s == 0)
            {
                return 0;
            }
            s = _fail[s];
        }
    }

    /// <summary>A separator (returns -1, to skip) or a high surrogate: a separator pair is skipped whole, else its class.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private int Special(ReadOnlySpan<char> text, ref int i, int c)
    {
        if (c == Skip)
        {
            return -1;
        }
        if (TextChars.IsSeparatorPair(text, i))
        {
            i++;
            return -1;
        }
        return _highClassOf[text[i] - 0xD800];
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void Report(ReadOnlySpan<char> text, int end, int s, List<TextMatch> matches)
    {
        for (var o = _outEnd[s] > _outStart[s] ? s : _outputLink[s]; o != 0; o = _outputLink[o])
        {
            var length = _patternLength[_outPatterns[_outStart[o]]];
            var start = StartOf(text, end, length);
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
            var c = _classOf[text[j]];
            if (c == Skip)
            {
                j--;
                continue;
            }
            if (_highClassOf.Length > 0 && char.IsLowSurrogate(text[j]) && j > 0 && TextChars.IsSeparatorPair(text, j - 1))
            {
                j -= 2;
                continue;
            }
            if (--units == 0)
            {
                return j;
            }
            j--;
        }
    }

    private static (ushort[] ClassOf, ushort[] HighClassOf) BuildClassTable(TextNormalization norm, Dictionary<char, ushort> classOfChar)
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
                classOf[u] = Skip;
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
