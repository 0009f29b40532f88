using System.Text;

namespace ChatBot.Host.Cli;

/// <summary>
/// What a GGUF file says about itself without loading it: version, architecture, name, tensor count (the file
/// format's header and key-value section, read sequentially; big arrays such as the vocabulary are skipped).
/// Managed rather than through the bound <c>gguf_*</c> functions: <c>doctor</c> must judge the model file on a
/// machine where the native library itself may be what fails to load (start-up names that failure).
/// </summary>
internal sealed record GgufHeader(uint Version, ulong Tensors, string? Architecture, string? Name)
{
    public static GgufHeader Read(string path)
    {
        using var reader = new BinaryReader(File.OpenRead(path), Encoding.UTF8);
        if (reader.ReadUInt32() != 0x46554747)
        {
            throw new InvalidDataException("not a GGUF file (its first four bytes are not 'GGUF')");
        }

        var version = reader.ReadUInt32();
        var tensors = reader.ReadUInt64();
        var pairs = reader.ReadUInt64();
        string? architecture = null, name = null;
        for (ulong i = 0; i < pairs && (architecture is null || name is null); i++)
        {
            var key = ReadString(reader);
            var type = reader.ReadUInt32();
            if (type == 8 && key is "general.architecture" or "general.name")
            {
                var value = ReadString(reader);
                (architecture, name) = key == "general.architecture" ? (value, name) : (architecture, value);
            }
            else
            {
                Skip(reader, type);
            }
        }

        return new GgufHeader(version, tensors, architecture, name);
    }

    private static string ReadString(BinaryReader reader)
    {
        var length = reader.ReadUInt64();
        if (length > 1 << 20)
        {
            throw new InvalidDataException("a key or string in the header is implausibly long: the file is damaged");
        }

        return Encoding.UTF8.GetString(reader.ReadBytes((int)length));
    }

    private static void Skip(BinaryReader reader, uint type)
    {
        switch (type)
        {
            case 0 or 1 or 7: reader.BaseStream.Seek(1, SeekOrigin.Current); break;
            case 2 or 3: reader.BaseStream.Seek(2, SeekOrigin.Current); break;
            case 4 or 5 or 6: reader.BaseStream.Seek(4, SeekOrigin.Current); break;
            case 10 or 11 or 12: reader.BaseStream.Seek(8, SeekOrigin.Current); break;
            case 8: reader.BaseStream.Seek((long)reader.ReadUInt64(), SeekOrigin.Current); break;
            case 9:
                var itemType = reader.ReadUInt32();
                var count = reader.ReadUInt64();
                for (ulong i = 0; i < count; i++)
                {
                    Skip(reader, itemType);
                }

                break;
            default: throw new InvalidDataException($"unknown value type {type} in the header: the file is damaged or newer than this reader");
        }
    }
}
