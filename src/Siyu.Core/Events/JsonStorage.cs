using System.Text.Encodings.Web;
using System.Text.Json;

namespace Siyu.Core.Events;

/// <summary>How event JSON is written to the log: Chinese stays readable (and a third smaller) instead of \u-escaped.</summary>
public static class JsonStorage
{
    public static readonly JsonSerializerOptions Options = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
}
