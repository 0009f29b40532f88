namespace ChatBot.Tests.Shared;

/// <summary>Finds the repository root (where ChatBot.sln is) from the test binaries.</summary>
public static class RepoPaths
{
    public static string Root { get; } = Find();

    public static string Config(string file) => Path.Combine(Root, "config", file);

    private static string Find()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "ChatBot.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("ChatBot.sln not found above " + AppContext.BaseDirectory);
    }
}
