using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Logging;
using Siyu.WeCom.Callbacks;
using Siyu.WeComSimulator.State;

namespace Siyu.WeComSimulator.Sim;

/// <summary>POSTs encrypted callbacks to Siyu like WeCom does: signed query string, 5 s timeout, up to 3 retries.</summary>
internal sealed partial class CallbackSender
{
    public const string HttpClientName = "WeComSimulator.Callbacks";

    private readonly SimulatorOptions _options;
    private readonly SimulatedCorp _corp;
    private readonly IHttpClientFactory _httpClients;
    private readonly ILogger<CallbackSender> _logger;
    private readonly WeComCallbackCrypto _crypto;

    public CallbackSender(SimulatorOptions options, SimulatedCorp corp, IHttpClientFactory httpClients, ILogger<CallbackSender> logger)
    {
        _options = options;
        _corp = corp;
        _httpClients = httpClients;
        _logger = logger;
        _crypto = new WeComCallbackCrypto(options.Token, options.EncodingAESKey, options.CorpId);
    }

    /// <summary>Null when no CallbackUrl is configured.</summary>
    public async Task<SimCallbackDelivery?> SendAsync(string eventName, string changeType, string messageXml, CancellationToken cancellationToken)
    {
        if (string.IsNullOrEmpty(_options.CallbackUrl))
        {
            return null;
        }

        var timestamp = _options.TimeProvider.GetUtcNow().ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        var nonce = RandomNumberGenerator.GetInt32(100_000_000, int.MaxValue).ToString(CultureInfo.InvariantCulture);
        var encrypt = _crypto.Encrypt(messageXml);
        var signature = _crypto.Sign(timestamp, nonce, encrypt);
        var body = CallbackXml.Envelope(_options.CorpId, _options.AgentId, encrypt);
        var separator = _options.CallbackUrl.Contains('?', StringComparison.Ordinal) ? "&" : "?";
        var url = $"{_options.CallbackUrl}{separator}msg_signature={signature}&timestamp={timestamp}&nonce={nonce}";

        var client = _httpClients.CreateClient(HttpClientName);
        int? statusCode = null;
        string? error = null;
        var attempts = 0;
        var maxAttempts = 1 + Math.Max(0, _options.CallbackRetries);
        while (attempts < maxAttempts)
        {
            attempts++;
            try
            {
                // Network timing uses the real clock even when the corp's clock is fake: a fake clock never fires.
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                timeout.CancelAfter(_options.CallbackTimeout);
                using var content = new StringContent(body, Encoding.UTF8, "text/xml");
                using var response = await client.PostAsync(url, content, timeout.Token);
                statusCode = (int)response.StatusCode;
                if (response.IsSuccessStatusCode)
                {
                    error = null;
                    break;
                }

                error = "HTTP " + statusCode;
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                statusCode = null;
                error = "timeout";
            }
            catch (HttpRequestException ex)
            {
                statusCode = null;
                error = ex.Message;
            }

            LogAttemptFailed(eventName, changeType, attempts, error);
            if (attempts < maxAttempts)
            {
                await Task.Delay(_options.CallbackRetryDelay, cancellationToken);
            }
        }

        var delivery = new SimCallbackDelivery(eventName, changeType, error is null, attempts, statusCode, error,
            _options.TimeProvider.GetUtcNow().ToUnixTimeSeconds());
        _corp.RecordCallback(delivery);
        return delivery;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Callback {EventName}/{ChangeType} attempt {Attempt} failed: {Error}")]
    private partial void LogAttemptFailed(string eventName, string changeType, int attempt, string? error);
}
