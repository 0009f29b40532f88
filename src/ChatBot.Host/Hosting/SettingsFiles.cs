using Microsoft.Extensions.Configuration.EnvironmentVariables;
using Microsoft.Extensions.Configuration.Json;
using Microsoft.Extensions.FileProviders;

namespace ChatBot.Host.Hosting;

/// <summary>
/// Where the settings files sit in the configuration's precedence, lowest first: the shipped
/// <c>appsettings.json</c> beside the binary, the working directory's <c>appsettings.json</c>, the admin's
/// <c>appsettings.Local.json</c>, then the environment and the command line. The bot runs from the repository
/// (relative paths such as <c>config/</c> and <c>models/</c> resolve there), so the shipped defaults must be found
/// beside the binary; and secrets belong in the environment, so a file must not override it.
/// </summary>
internal static class SettingsFiles
{
    public const string LocalFile = "appsettings.Local.json";

    /// <summary>The bot's settings as a command-line verb reads them: the same files and precedence, from the current folder.</summary>
    public static ConfigurationManager ForVerbs()
    {
        var folder = Directory.GetCurrentDirectory();
        var configuration = new ConfigurationManager();
        configuration.AddJsonFile(Path.Combine(folder, "appsettings.json"), optional: true);
        configuration.AddEnvironmentVariables();
        configuration.AddSettingsFiles(folder);
        return configuration;
    }

    public static void AddSettingsFiles(this ConfigurationManager configuration, string contentRoot)
    {
        var sources = configuration.Sources;
        var firstJson = IndexOf(sources, s => s is JsonConfigurationSource);
        sources.Insert(firstJson < 0 ? 0 : firstJson, Json(AppContext.BaseDirectory, "appsettings.json", reload: false));

        var environment = IndexOf(sources, s => s is EnvironmentVariablesConfigurationSource { Prefix: null or "" });
        // Reloaded on edit like the default files, unless the host turns reloading off (hostBuilder:reloadConfigOnChange).
        var reload = configuration.GetValue("hostBuilder:reloadConfigOnChange", defaultValue: true);
        sources.Insert(environment < 0 ? sources.Count : environment, Json(contentRoot, LocalFile, reload));
    }

    private static JsonConfigurationSource Json(string directory, string file, bool reload)
    {
        var source = new JsonConfigurationSource
        {
            FileProvider = new PhysicalFileProvider(directory),
            Path = file,
            Optional = true,
            ReloadOnChange = reload,
        };
        source.ResolveFileProvider();
        return source;
    }

    private static int IndexOf(IList<IConfigurationSource> sources, Func<IConfigurationSource, bool> match)
    {
        for (var i = 0; i < sources.Count; i++)
        {
            if (match(sources[i]))
            {
                return i;
            }
        }

        return -1;
    }
}
