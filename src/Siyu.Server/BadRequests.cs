using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Diagnostics;
using Siyu.Core.Events;

namespace Siyu.Server;

/// <summary>
/// Requests the framework cannot bind (broken JSON, a string where a number belongs, "abc" for <c>?limit=</c>, an
/// oversized body) answer 400/413 problem details naming the field at fault, in every environment: binding failures
/// are thrown (<see cref="Microsoft.AspNetCore.Routing.RouteHandlerOptions.ThrowOnBadRequest"/>) and caught here,
/// instead of a bare 400 in production and a 500 in development.
/// </summary>
public sealed partial class BadRequests : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext http, Exception exception, CancellationToken cancellationToken)
    {
        if (http.Response.HasStarted)
        {
            return false;
        }
        if (Data.DbErrors.IsUnstorableText(exception))
        {
            // PostgreSQL refuses U+0000 in text, wherever it came from (a tag name, a note): the caller's input, not our fault.
            await Problems.Validation([new FieldError("body", "Text must not contain the NUL character (U+0000).")]).ExecuteAsync(http);
            return true;
        }
        if (exception is not BadHttpRequestException bad)
        {
            return false;
        }
        var result = bad.StatusCode == StatusCodes.Status413PayloadTooLarge
            ? Problems.TooLarge(http.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpMaxRequestBodySizeFeature>()?.MaxRequestBodySize ?? 0)
            : Problems.Validation([Describe(bad)]);
        await result.ExecuteAsync(http);
        return true;
    }

    /// <summary>The field and a message a caller can act on, from the JSON reader's path or the parameter the binder named.</summary>
    public static FieldError Describe(BadHttpRequestException bad)
    {
        for (var inner = bad.InnerException; inner is not null; inner = inner.InnerException)
        {
            if (inner is JsonException json)
            {
                var field = json.Path is { Length: > 1 } path ? path.TrimStart('$').TrimStart('.') : "body";
                return new FieldError(field.Length == 0 ? "body" : field,
                    field is "body" or "" ? "The body is not a JSON object of the expected shape." : "Wrong type or malformed value.");
            }
        }
        if (ParameterPattern().Match(bad.Message) is { Success: true } m)
        {
            return new FieldError(m.Groups["name"].Value, $"Not a valid {Simple(m.Groups["type"].Value)}.");
        }
        return new FieldError("body", bad.Message.Contains("JSON", StringComparison.OrdinalIgnoreCase) || bad.Message.Contains("body", StringComparison.OrdinalIgnoreCase)
            ? "A JSON body of the expected shape is required."
            : bad.Message);
    }

    private static string Simple(string type) => (type.StartsWith("Nullable<", StringComparison.Ordinal) ? type[9..^1] : type.TrimEnd('?')) switch
    {
        "int" or "long" or "Int32" or "Int64" => "whole number",
        "decimal" or "double" => "number",
        "bool" or "Boolean" => "true/false",
        "DateTimeOffset" or "DateTime" or "DateOnly" => "date",
        var other => other,
    };

    [GeneratedRegex("""parameter "(?<type>[^" ]+) (?<name>[^" ]+)" """, RegexOptions.CultureInvariant)]
    private static partial Regex ParameterPattern();
}
