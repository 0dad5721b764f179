using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Siyu.Server.Tests;

internal static class Json
{
    public static StringContent Body(string json) => new(json, Encoding.UTF8, "application/json");

    public static StringContent Body(object value) => new(JsonSerializer.Serialize(value), Encoding.UTF8, "application/json");

    public static async Task<JsonNode> ReadAsync(this HttpResponseMessage response) =>
        JsonNode.Parse(await response.Content.ReadAsStringAsync()) ?? throw new InvalidOperationException("empty body");

    /// <summary>Polls until the condition holds: the partition applies events just after the durable append.</summary>
    public static async Task<JsonNode> EventuallyAsync(Func<Task<JsonNode?>> probe, Func<JsonNode, bool> condition, int attempts = 100)
    {
        JsonNode? last = null;
        for (var i = 0; i < attempts; i++)
        {
            last = await probe();
            if (last is not null && condition(last))
            {
                return last;
            }
            await Task.Delay(50);
        }
        throw new Xunit.Sdk.XunitException($"Condition not met; last value: {last?.ToJsonString()}");
    }

    public static async Task<JsonNode?> GetJsonOrNull(this HttpClient client, string url)
    {
        var response = await client.GetAsync(url);
        return response.IsSuccessStatusCode ? await response.ReadAsync() : null;
    }

    public static Task<HttpResponseMessage> PostEventsAsync(this HttpClient client, object body, string query = "") =>
        client.PostAsync("/api/v1/events" + query, Body(body));

    public static Task<HttpResponseMessage> PostJsonAsync(this HttpClient client, string url, object body) => client.PostAsJsonAsync(url, body);
}
