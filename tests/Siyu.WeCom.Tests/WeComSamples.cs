namespace Siyu.WeCom.Tests;

/// <summary>
/// Finds the shared golden payloads (<c>shared/wecom-samples</c>): beside the repository in CI, or any
/// ancestor of the test binaries locally. Missing samples fail the test: a skipped golden test proves nothing.
/// </summary>
internal static class WeComSamples
{
    private static readonly Lazy<string?> Located = new(Locate);

    public static string Root => Located.Value ?? throw new Xunit.Sdk.XunitException(
        Environment.GetEnvironmentVariable("SIYU_WECOM_SAMPLES") is { Length: > 0 } overridden
            ? $"WeCom golden samples not found at SIYU_WECOM_SAMPLES={overridden}."
            : "WeCom golden samples not found: looked for 'shared/wecom-samples' in every ancestor of "
              + AppContext.BaseDirectory + " (CI clones the repository with shared/ beside it). "
              + "Set SIYU_WECOM_SAMPLES to the folder to override.");

    public static string EventsDirectory => Path.Combine(Root, "events");

    public static string ApiDirectory => Path.Combine(Root, "api");

    /// <summary>The payload of a sample file: everything after the '#' header lines and the first blank line.</summary>
    public static string ReadPayload(string path)
    {
        var text = File.ReadAllText(path).Replace("\r\n", "\n", StringComparison.Ordinal);
        var split = text.IndexOf("\n\n", StringComparison.Ordinal);
        if (split < 0)
        {
            throw new Xunit.Sdk.XunitException($"{path} has no blank line between its header and payload.");
        }

        return text[(split + 2)..];
    }

    private static string? Locate()
    {
        var overridden = Environment.GetEnvironmentVariable("SIYU_WECOM_SAMPLES");
        if (!string.IsNullOrEmpty(overridden))
        {
            return Directory.Exists(overridden) ? overridden : null;
        }

        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "shared", "wecom-samples");
            if (Directory.Exists(candidate))
            {
                return candidate;
            }
        }

        return null;
    }
}
