namespace ChatBot.Core.Privacy;

/// <summary>Section <c>Privacy</c>.</summary>
public sealed class PrivacyOptions
{
    public const string Section = "Privacy";

    /// <summary>
    /// The key of the pseudonyms that name users and chats in audit lines and logs (<see cref="Pseudonym"/>); from the
    /// environment (<c>Privacy__PseudonymKey</c>), never a file in the repository.
    /// </summary>
    public string? PseudonymKey { get; set; }
}
