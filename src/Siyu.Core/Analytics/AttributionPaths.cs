namespace Siyu.Core.Analytics;

/// <summary>
/// Customer journeys as attribution reads them: the channels touched in order, with how many of the customers who took
/// this path converted (<see cref="Conversions"/>, and their <see cref="Value"/>) and how many did not (<see cref="Nulls"/>).
/// Channels are small integers into <see cref="AttributionPaths.Channels"/>.
/// </summary>
public readonly record struct AttributionPath(int[] Touches, double Conversions, double Value, double Nulls);

/// <summary>A set of paths over named channels (the names in first-seen order; ids are indexes).</summary>
public sealed class AttributionPaths
{
    private readonly Dictionary<string, int> _ids = new(StringComparer.Ordinal);
    private readonly List<string> _names = [];

    public IReadOnlyList<string> Channels => _names;

    public List<AttributionPath> Paths { get; } = [];

    public int ChannelId(string name)
    {
        if (!_ids.TryGetValue(name, out var id))
        {
            id = _names.Count;
            _ids[name] = id;
            _names.Add(name);
        }
        return id;
    }

    /// <summary>Adds a path given as text ("搜索 > 直播 > 私聊"); channel names are trimmed, empty ones are an error.</summary>
    public void Add(string path, string separator, double conversions, double value, double nulls) =>
        Add(Split(path, separator), conversions, value, nulls);

    /// <summary>Adds a path given as channel names.</summary>
    public void Add(IReadOnlyList<string> parts, double conversions, double value, double nulls)
    {
        var touches = new int[parts.Count];
        for (var i = 0; i < parts.Count; i++)
        {
            touches[i] = ChannelId(parts[i]);
        }
        Paths.Add(new AttributionPath(touches, conversions, value, nulls));
    }

    /// <summary>
    /// The channel names of a path. A separator padded with spaces (" > ") also matches without them ("a>b"), since
    /// names are trimmed anyway. Throws <see cref="FormatException"/> for an empty path or an empty name.
    /// </summary>
    public static string[] Split(string path, string separator)
    {
        var sep = separator.Trim().Length > 0 ? separator.Trim() : separator;
        var parts = path.Split(sep, StringSplitOptions.TrimEntries);
        if (parts.Length == 0 || parts.Any(p => p.Length == 0))
        {
            throw new FormatException(path.Trim().Length == 0 ? "the path is empty" : $"the path '{path}' has an empty channel name");
        }
        return parts;
    }

    /// <summary>The touches with consecutive repeats of a channel collapsed (a > a > b → a > b), as the Markov model reads them.</summary>
    public static int[] Collapse(int[] touches)
    {
        var count = 0;
        for (var i = 0; i < touches.Length; i++)
        {
            if (i == 0 || touches[i] != touches[i - 1])
            {
                count++;
            }
        }
        if (count == touches.Length)
        {
            return touches;
        }
        var result = new int[count];
        var n = 0;
        for (var i = 0; i < touches.Length; i++)
        {
            if (i == 0 || touches[i] != touches[i - 1])
            {
                result[n++] = touches[i];
            }
        }
        return result;
    }
}
