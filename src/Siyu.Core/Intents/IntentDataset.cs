namespace Siyu.Core.Intents;

/// <summary>A labelled message: what the customer wrote and the intent a person gave it.</summary>
public sealed record IntentExample(string Text, string Intent);

/// <summary>The small labelled Chinese set shipped with Siyu (Intents/Data/intents-zh.tsv: <c>intent TAB text</c>).</summary>
public static class IntentDataset
{
    private static readonly Lazy<IReadOnlyList<IntentExample>> Shipped = new(() => Parse(ReadResource("intents-zh.tsv")));

    public static IReadOnlyList<IntentExample> Default => Shipped.Value;

    /// <summary>Reads <c>intent TAB text</c> lines; blank lines and lines starting with # are skipped.</summary>
    public static IReadOnlyList<IntentExample> Parse(string tsv)
    {
        var examples = new List<IntentExample>();
        var n = 0;
        foreach (var raw in tsv.Split('\n'))
        {
            n++;
            var line = raw.TrimEnd('\r');
            if (line.Length == 0 || line[0] == '#')
            {
                continue;
            }
            var tab = line.IndexOf('\t', StringComparison.Ordinal);
            if (tab <= 0 || tab == line.Length - 1)
            {
                throw new FormatException($"Line {n}: expected 'intent<TAB>text'.");
            }
            examples.Add(new IntentExample(line[(tab + 1)..].Trim(), line[..tab].Trim()));
        }
        return examples;
    }

    private static string ReadResource(string name)
    {
        var assembly = typeof(IntentDataset).Assembly;
        var resource = assembly.GetManifestResourceNames().Single(r => r.EndsWith("." + name, StringComparison.Ordinal));
        using var stream = assembly.GetManifestResourceStream(resource)!;
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
