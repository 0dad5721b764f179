using Microsoft.AspNetCore.Identity;
using Siyu.Server.Data;

namespace Siyu.Server.Auth;

/// <summary>ASP.NET Core Identity's PBKDF2 hasher, without the rest of Identity.</summary>
public sealed class Passwords
{
    private readonly PasswordHasher<ConsoleUser> _hasher = new();

    public string Hash(ConsoleUser user, string password) => _hasher.HashPassword(user, password);

    public bool Verify(ConsoleUser user, string password) =>
        _hasher.VerifyHashedPassword(user, user.PasswordHash, password) != PasswordVerificationResult.Failed;
}
