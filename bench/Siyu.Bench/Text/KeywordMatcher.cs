using System.Buffers;
using System.Numerics;
using System.Runtime.CompilerServices;

using Siyu.Core.Text;

namespace Siyu.Bench.Text;

/// <summary>One occurrence of a keyword: its index in the keyword list and the span it covers in the original text.</summary>
public readonly record struct KeywordMatch(int KeywordIndex, int Start, int Length)
{
    public int End => Start + Length;
}

/// <summary>
/// The content-review automaton before <see cref="TextMatcher"/> replaced it, kept only as a baseline for the
/// <c>text</c> benchmark. It folds width and case in its loop but not traditional characters, so build it with
/// <c>FoldTraditional: false</c>.
/// Aho-Corasick automaton over a fixed keyword list: finds every occurrence of every keyword (overlaps included) in
/// one pass over the text, normalising text and keywords alike (<see cref="TextNormalization"/>) and reporting spans
/// of the original text. Immutable after construction and safe to share between threads.
/// </summary>
/// <remarks>
/// Layout: per node a sorted run of (char, target) edges in two flat arrays, scanned linearly when short and
/// binary-searched when long (the root, with one edge per distinct first character, can have thousands in Chinese).
/// The root's ASCII edges are a dense table, and a bitset of every character used by any keyword sends the many
/// characters no keyword contains straight back to the root without a lookup.
/// </remarks>
public sealed class KeywordMatcher
{
    private const int LinearScanLimit = 8;

    private readonly int[] _edgeStart;   // node -> first edge; node + 1 -> end
    private readonly char[] _edgeChars;
    private readonly int[] _edgeTargets;
    private readonly int[] _fail;
    private readonly int[] _outputLink;  // nearest node on the fail chain (excluding itself) with outputs, or 0
    private readonly int[] _outStart;    // node -> first keyword ending here; node + 1 -> end
    private readonly int[] _outKeywords;
    private readonly int[] _keywordLength; // normalised length
    private readonly int[] _rootAscii;
    private readonly ulong[] _alphabet;
    private readonly int _ringMask;
    private readonly bool _foldWidth;
    private readonly bool _foldCase;
    private readonly bool _skipSeparators;

    /// <summary>Builds the automaton. Throws when a keyword is empty once normalised (it would match everywhere).</summary>
    public KeywordMatcher(IReadOnlyList<string> keywords, TextNormalization? normalization = null)
    {
        ArgumentNullException.ThrowIfNull(keywords);
        Normalization = normalization ?? TextNormalization.Default;
        _foldWidth = Normalization.FoldWidth;
        _foldCase = Normalization.FoldCase;
        _skipSeparators = Normalization.SkipSeparators;
        KeywordCount = keywords.Count;

        // Build with a trie of dictionaries (construction may allocate), then flatten for the search.
        var children = new List<Dictionary<char, int>> { new() };
        var outputs = new List<List<int>?> { null };
        _keywordLength = new int[keywords.Count];
        _alphabet = new ulong[65536 / 64];
        var maxLength = 1;
        for (var k = 0; k < keywords.Count; k++)
        {
            var word = Normalization.Apply(keywords[k] ?? throw new ArgumentException($"Keyword {k} is null.", nameof(keywords)));
            if (word.Length == 0)
            {
                throw new ArgumentException($"Keyword {k} ('{keywords[k]}') is empty once normalised.", nameof(keywords));
            }
            var node = 0;
            foreach (var c in word)
            {
                _alphabet[c >> 6] |= 1UL << (c & 63);
                if (!children[node].TryGetValue(c, out var next))
                {
                    next = children.Count;
                    children[node][c] = next;
                    children.Add([]);
                    outputs.Add(null);
                }
                node = next;
            }
            (outputs[node] ??= []).Add(k);
            _keywordLength[k] = word.Length;
            maxLength = Math.Max(maxLength, word.Length);
        }

        var count = children.Count;
        NodeCount = count;
        _edgeStart = new int[count + 1];
        _edgeChars = new char[count - 1];
        _edgeTargets = new int[count - 1];
        var e = 0;
        for (var node = 0; node < count; node++)
        {
            _edgeStart[node] = e;
            foreach (var (c, target) in children[node].OrderBy(p => p.Key))
            {
                _edgeChars[e] = c;
                _edgeTargets[e] = target;
                e++;
            }
        }
        _edgeStart[count] = e;

        _rootAscii = new int[128];
        Array.Fill(_rootAscii, -1);
        foreach (var (c, target) in children[0])
        {
            if (c < 128)
            {
                _rootAscii[c] = target;
            }
        }

        // Breadth-first, so a node's fail target (strictly shallower) is final before the node is reached.
        _fail = new int[count];
        _outputLink = new int[count];
        var queue = new Queue<int>();
        foreach (var (_, child) in children[0])
        {
            queue.Enqueue(child);
        }
        while (queue.Count > 0)
        {
            var node = queue.Dequeue();
            foreach (var (c, child) in children[node])
            {
                var f = _fail[node];
                int next;
                while ((next = Goto(f, c)) < 0 && f != 0)
                {
                    f = _fail[f];
                }
                _fail[child] = next < 0 ? 0 : next;
                var failTarget = _fail[child];
                _outputLink[child] = outputs[failTarget] is not null ? failTarget : _outputLink[failTarget];
                queue.Enqueue(child);
            }
        }

        _outStart = new int[count + 1];
        var total = 0;
        for (var node = 0; node < count; node++)
        {
            _outStart[node] = total;
            total += outputs[node]?.Count ?? 0;
        }
        _outStart[count] = total;
        _outKeywords = new int[total];
        for (var node = 0; node < count; node++)
        {
            outputs[node]?.CopyTo(_outKeywords, _outStart[node]);
        }

        _ringMask = (int)BitOperations.RoundUpToPowerOf2((uint)maxLength) - 1;
        MaxKeywordLength = maxLength;
    }

    public TextNormalization Normalization { get; }

    public int KeywordCount { get; }

    /// <summary>Trie nodes including the root (memory is about 20 bytes per node).</summary>
    public int NodeCount { get; }

    /// <summary>Longest keyword, in normalised characters.</summary>
    public int MaxKeywordLength { get; }

    /// <summary>All matches in <paramref name="text"/>.</summary>
    public List<KeywordMatch> FindAll(string text)
    {
        var matches = new List<KeywordMatch>();
        FindAll(text, matches);
        return matches;
    }

    /// <summary>
    /// Appends every match to <paramref name="matches"/> in order of their end (for one end, longest first) and
    /// returns how many were added. Allocates nothing unless the list grows.
    /// </summary>
    public int FindAll(ReadOnlySpan<char> text, List<KeywordMatch> matches)
    {
        ArgumentNullException.ThrowIfNull(matches);
        var before = matches.Count;
        var ringSize = _ringMask + 1;
        int[]? rented = null;
        // Original index of each of the last MaxKeywordLength normalised characters: a match's start in the text.
        Span<int> ring = ringSize <= 256 ? stackalloc int[ringSize] : (rented = ArrayPool<int>.Shared.Rent(ringSize));
        try
        {
            var node = 0;
            var pos = 0;
            for (var i = 0; i < text.Length; i++)
            {
                var c = text[i];
                if (_skipSeparators)
                {
                    if (char.IsHighSurrogate(c) && TextChars.IsSeparatorPair(text, i))
                    {
                        i++;
                        continue;
                    }
                    c = TextChars.Fold(c, _foldWidth, _foldCase);
                    if (TextChars.IsSeparator(c))
                    {
                        continue;
                    }
                }
                else
                {
                    c = TextChars.Fold(c, _foldWidth, _foldCase);
                }

                ring[pos & _ringMask] = i;
                if ((_alphabet[c >> 6] & (1UL << (c & 63))) == 0)
                {
                    node = 0;
                    pos++;
                    continue;
                }
                int next;
                while ((next = Goto(node, c)) < 0 && node != 0)
                {
                    node = _fail[node];
                }
                node = next < 0 ? 0 : next;

                var o = _outStart[node + 1] > _outStart[node] ? node : _outputLink[node];
                while (o != 0)
                {
                    for (var j = _outStart[o]; j < _outStart[o + 1]; j++)
                    {
                        var k = _outKeywords[j];
                        var start = ring[(pos - _keywordLength[k] + 1) & _ringMask];
                        matches.Add(new KeywordMatch(k, start, i + 1 - start));
                    }
                    o = _outputLink[o];
                }
                pos++;
            }
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<int>.Shared.Return(rented);
            }
        }
        return matches.Count - before;
    }

    /// <summary>Whether any keyword occurs in <paramref name="text"/> (stops at the first match).</summary>
    public bool ContainsAny(ReadOnlySpan<char> text)
    {
        var node = 0;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (_skipSeparators && char.IsHighSurrogate(c) && TextChars.IsSeparatorPair(text, i))
            {
                i++;
                continue;
            }
            c = TextChars.Fold(c, _foldWidth, _foldCase);
            if (_skipSeparators && TextChars.IsSeparator(c))
            {
                continue;
            }
            if ((_alphabet[c >> 6] & (1UL << (c & 63))) == 0)
            {
                node = 0;
                continue;
            }
            int next;
            while ((next = Goto(node, c)) < 0 && node != 0)
            {
                node = _fail[node];
            }
            node = next < 0 ? 0 : next;
            if (_outStart[node + 1] > _outStart[node] || _outputLink[node] != 0)
            {
                return true;
            }
        }
        return false;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private int Goto(int node, char c)
    {
        if (node == 0 && c < 128)
        {
            return _rootAscii[c];
        }
        return GotoSearch(node, c);
    }

    private int GotoSearch(int node, char c)
    {
        var start = _edgeStart[node];
        var count = _edgeStart[node + 1] - start;
        if (count <= LinearScanLimit)
        {
            for (var e = start; e < start + count; e++)
            {
                if (_edgeChars[e] == c)
                {
                    return _edgeTargets[e];
                }
            }
            return -1;
        }
        var found = _edgeChars.AsSpan(start, count).BinarySearch(c);
        return found >= 0 ? _edgeTargets[start + found] : -1;
    }
}
