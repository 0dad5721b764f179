using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Options;

namespace Siyu.Server.Delivery;

/// <summary>Where SMS go: an HTTP endpoint of the operator's SMS provider (or a small relay in front of it).</summary>
public sealed class SmsOptions
{
    /// <summary>POST target; empty = SMS go to the dev outbox.</summary>
    public string? WebhookUrl { get; set; }
    /// <summary>HMAC-SHA256 key for the <c>X-Siyu-Signature</c> header (from configuration or a secret store, never the database).</summary>
    public string? Secret { get; set; }
    public int TimeoutSeconds { get; set; } = 10;
}

/// <summary>
/// The SMS channel adapter. Contract (documented in the README): <c>POST {WebhookUrl}</c> with JSON
/// <c>{message_id, key, tenant_id, customer_id, phone, text}</c>, header <c>Idempotency-Key</c> (the same on every retry
/// and after a crash, so the provider sends each message once) and, with a secret, <c>X-Siyu-Signature: sha256=hex</c>
/// over the body. 2xx = accepted (an <c>id</c> in the JSON answer is kept); 408/429/5xx and network errors are retried
/// with backoff; other 4xx fail the message.
/// </summary>
public sealed class SmsWebhook(IHttpClientFactory http, IOptions<SmsOptions> options)
{
    public const string HttpClientName = "sms-webhook";

    public bool Configured => !string.IsNullOrWhiteSpace(options.Value.WebhookUrl);

    public async Task<(string Status, string? Via, string? Error)> SendAsync(int tenantId, long messageId, string key, long customerId, string? phone, string text,
        CancellationToken cancellationToken)
    {
        if (phone is null)
        {
            return ("failed", "sms", "no_phone");
        }
        var o = options.Value;
        var body = JsonSerializer.SerializeToUtf8Bytes(new { message_id = messageId, key, tenant_id = tenantId, customer_id = customerId, phone, text });
        using var request = new HttpRequestMessage(HttpMethod.Post, o.WebhookUrl) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json") { CharSet = "utf-8" };
        request.Headers.Add("Idempotency-Key", $"{tenantId}:{key}");
        if (!string.IsNullOrEmpty(o.Secret))
        {
            request.Headers.Add("X-Siyu-Signature", "sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(o.Secret), body)));
        }
        using var client = http.CreateClient(HttpClientName);
        client.Timeout = TimeSpan.FromSeconds(Math.Max(1, o.TimeoutSeconds));
        try
        {
            using var response = await client.SendAsync(request, cancellationToken);
            if (response.IsSuccessStatusCode)
            {
                string? id = null;
                try
                {
                    id = (await response.Content.ReadFromJsonAsync<JsonElement>(cancellationToken)).TryGetProperty("id", out var v) ? v.ToString() : null;
                }
                catch (JsonException)
                {
                }
                return ("sent", "sms:" + (id ?? messageId.ToString(System.Globalization.CultureInfo.InvariantCulture)), null);
            }
            var code = (int)response.StatusCode;
            return response.StatusCode is HttpStatusCode.RequestTimeout or HttpStatusCode.TooManyRequests || code >= 500
                ? ("retry", "sms", $"http {code}")
                : ("failed", "sms", $"http {code}");
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            return ("retry", "sms", e.Message);
        }
    }
}
