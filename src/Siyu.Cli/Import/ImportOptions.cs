using System.Globalization;

namespace Siyu.Cli.Import;

/// <summary>The arguments of <c>siyu import orders</c>, after defaults from the environment are applied.</summary>
public sealed record ImportOptions
{
    public const string DefaultServer = "http://127.0.0.1:5080";
    public const int DefaultBatchSize = 500;

    /// <summary>The server refuses larger batches.</summary>
    public const int MaxBatchSize = 1000;

    public required string File { get; init; }
    public required string Tenant { get; init; }
    public required Uri Server { get; init; }
    public string? ApiKey { get; init; }
    public int BatchSize { get; init; } = DefaultBatchSize;
    public bool DryRun { get; init; }
    public string? ErrorsOut { get; init; }

    /// <summary>
    /// Parses the arguments after <c>import orders</c>. Options take <c>--name value</c> or
    /// <c>--name=value</c>. Returns null and sets <paramref name="error"/> on a usage mistake.
    /// </summary>
    public static ImportOptions? Parse(IReadOnlyList<string> args, Func<string, string?> environment, out string? error)
    {
        string? file = null, tenant = null, server = null, apiKey = null, batch = null, errorsOut = null;
        var dryRun = false;
        error = null;

        for (var i = 0; i < args.Count; i++)
        {
            var arg = args[i];
            if (!arg.StartsWith("--", StringComparison.Ordinal) || arg == "--")
            {
                if (arg == "--" && i + 1 < args.Count)
                {
                    arg = args[++i];
                }
                if (file is not null)
                {
                    error = $"unexpected argument '{arg}'; only one FILE can be imported at a time.";
                    return null;
                }
                file = arg;
                continue;
            }

            var name = arg;
            string? inlineValue = null;
            var equals = arg.IndexOf('=', StringComparison.Ordinal);
            if (equals > 0)
            {
                name = arg[..equals];
                inlineValue = arg[(equals + 1)..];
            }

            if (name == "--dry-run")
            {
                if (inlineValue is not null)
                {
                    error = "--dry-run takes no value.";
                    return null;
                }
                dryRun = true;
                continue;
            }

            if (name is not ("--tenant" or "--server" or "--api-key" or "--batch" or "--errors-out"))
            {
                error = $"unknown option '{name}'.";
                return null;
            }
            string value;
            if (inlineValue is not null)
            {
                value = inlineValue;
            }
            else if (i + 1 < args.Count && !args[i + 1].StartsWith("--", StringComparison.Ordinal))
            {
                value = args[++i];
            }
            else
            {
                error = $"{name} needs a value.";
                return null;
            }
            switch (name)
            {
                case "--tenant": tenant = value; break;
                case "--server": server = value; break;
                case "--api-key": apiKey = value; break;
                case "--batch": batch = value; break;
                case "--errors-out": errorsOut = value; break;
            }
        }

        if (file is null)
        {
            error = "missing FILE.csv.";
            return null;
        }
        if (string.IsNullOrWhiteSpace(tenant))
        {
            error = "--tenant is required (the slug of the tenant the API key belongs to).";
            return null;
        }

        if (errorsOut is not null && string.Equals(Path.GetFullPath(errorsOut), Path.GetFullPath(file), StringComparison.Ordinal))
        {
            error = "--errors-out must not be the file being imported; it would be overwritten with only the failed rows.";
            return null;
        }

        var batchSize = DefaultBatchSize;
        if (batch is not null && (!int.TryParse(batch, NumberStyles.None, CultureInfo.InvariantCulture, out batchSize) || batchSize is < 1 or > MaxBatchSize))
        {
            error = $"--batch must be a whole number from 1 to {MaxBatchSize} (got '{batch}').";
            return null;
        }

        server ??= NonEmpty(environment("SIYU_SERVER")) ?? DefaultServer;
        // A trailing slash makes relative API paths resolve under the base, also when Siyu is behind a path prefix.
        if (!Uri.TryCreate(server.EndsWith('/') ? server : server + "/", UriKind.Absolute, out var serverUri) ||
            serverUri.Scheme is not ("http" or "https"))
        {
            error = $"--server must be an http:// or https:// URL (got '{server}').";
            return null;
        }

        apiKey ??= NonEmpty(environment("SIYU_API_KEY"));
        if (apiKey is null && !dryRun)
        {
            error = "no API key: pass --api-key KEY or set SIYU_API_KEY.";
            return null;
        }

        return new ImportOptions
        {
            File = file,
            Tenant = tenant.Trim(),
            Server = serverUri,
            ApiKey = apiKey,
            BatchSize = batchSize,
            DryRun = dryRun,
            ErrorsOut = errorsOut,
        };
    }

    private static string? NonEmpty(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();
}
