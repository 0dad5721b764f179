using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using Microsoft.AspNetCore.Http;
using Siyu.WeComSimulator.State;

namespace Siyu.WeComSimulator;

/// <summary>JSON as WeCom writes it: raw UTF-8 Chinese, absent optional fields, snake_case names from the DTO attributes.</summary>
internal static class SimJson
{
    public static readonly JsonSerializerOptions Options = new()
    {
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        // Explicit, so the simulator still works inside a host that disables reflection-based defaults.
        TypeInfoResolver = new DefaultJsonTypeInfoResolver(),
    };

    /// <summary>WeCom answers HTTP 200 for errors too; the errcode carries the outcome.</summary>
    public static IResult Write(SimResult result) => Results.Json(result.ToBody(), Options);

    public static IResult Error(int errCode, string message) => Write(SimResult.Error(errCode, message));

    /// <summary>The request body as a JSON object, or null when it is not one (WeCom: 47001 data format error).</summary>
    public static async Task<JsonObject?> ReadObjectAsync(HttpRequest request)
    {
        try
        {
            return await JsonNode.ParseAsync(request.Body, cancellationToken: request.HttpContext.RequestAborted) as JsonObject;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    public static T? As<T>(JsonObject body)
        where T : class
    {
        try
        {
            return body.Deserialize<T>(Options);
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
