using System.Net;

namespace Siyu.WeCom.Api;

/// <summary>WeCom answered with a non-zero errcode (or the HTTP exchange itself failed, errcode -1).</summary>
public sealed class WeComApiException : Exception
{
    public WeComApiException(int errCode, string? errMsg, string path, HttpStatusCode? statusCode = null, Exception? inner = null)
        : base($"WeCom {path} failed: errcode {errCode}, errmsg {errMsg}", inner)
    {
        ErrCode = errCode;
        ErrMsg = errMsg ?? string.Empty;
        Path = path;
        StatusCode = statusCode;
    }

    public int ErrCode { get; }
    public string ErrMsg { get; }

    /// <summary>The API path without query string (the access token never appears here).</summary>
    public string Path { get; }

    /// <summary>Set when the HTTP status was not a success; WeCom itself always answers 200.</summary>
    public HttpStatusCode? StatusCode { get; }

    /// <summary>
    /// The errcode is WeCom's own answer (from the response body), not one the client made up for a
    /// transport failure, timeout or unreadable body.
    /// </summary>
    public bool IsWeComAnswer { get; init; }

    /// <summary>
    /// Frequency limits, "system busy" and "another app is sending": worth retrying after a backoff.
    /// (The client already retries 45009/45033/-1/5xx itself; this tells callers what is still worth a later try.)
    /// </summary>
    public bool IsRetryable => ErrCode is WeComErrorCodes.SystemBusy or WeComErrorCodes.ApiFrequencyLimit
        or WeComErrorCodes.ApiConcurrencyLimit or WeComErrorCodes.WelcomeMessageBusy;

    /// <summary>send_welcome_msg: the welcome code was used (or has expired); the greeting window is closed for good.</summary>
    public bool IsWelcomeCodeUsed => ErrCode == WeComErrorCodes.WelcomeCodeUsed;

    /// <summary>send_welcome_msg: another app is sending with this welcome code right now; retry shortly.</summary>
    public bool IsWelcomeMessageBusy => ErrCode == WeComErrorCodes.WelcomeMessageBusy;
}
