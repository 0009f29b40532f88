namespace ChatBot.Core.Knowledge.Access;

/// <summary>
/// A platform's directory of employees (WeCom <c>user/get</c>, DingTalk <c>topapi/v2/user/get</c>): which departments a
/// user belongs to, and the departments' names. A process boundary with one implementation per platform, registered
/// under its <see cref="Messages.Platform"/>.
/// </summary>
public interface IDepartmentDirectory
{
    /// <summary>The user's department ids as the platform numbers them.</summary>
    /// <returns>Null when this deployment has no directory access (no app secret configured): nothing to ask, not a failure.</returns>
    /// <exception cref="Exception">The platform could not say (error code, timeout, no connection).</exception>
    Task<IReadOnlyList<string>?> DepartmentsOfAsync(string userId, CancellationToken cancellationToken);

    /// <summary>Every department the app can see, with its name where the platform gives the app names.</summary>
    /// <returns>Null when this deployment has no directory access (no app secret configured).</returns>
    /// <exception cref="Exception">The platform could not say (error code — no contact permission among them —, timeout, no connection).</exception>
    Task<IReadOnlyList<DepartmentEntry>?> ListAsync(CancellationToken cancellationToken);
}

/// <param name="Name">Null when the platform withholds names from this app (WeCom does from apps created since 2022 without the permission).</param>
public sealed record DepartmentEntry(string Id, string? Name);
