namespace ChatBot.Core.Configuration;

/// <summary>
/// The template's "&lt;set X in the environment&gt;" notes must never become a working value: a copied template
/// with a forgotten secret would otherwise accept callbacks signed with public text, or open the dashboard.
/// Every validator rejects them by this one rule, naming the key and where the real value belongs.
/// </summary>
public static class Placeholder
{
    public static bool Is(string? value) => value is { Length: >= 2 } v && v.TrimStart().StartsWith('<') && v.TrimEnd().EndsWith('>');

    public static string Message(string key, string environmentVariable) =>
        $"{key} holds placeholder text ('<…>'), not a value. Set the real value through the environment ({environmentVariable}), or leave it empty to turn that part off.";
}
