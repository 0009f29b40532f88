using System.Text.Json;
using System.Text.Json.Serialization;

namespace ChatBot.Core.PlatformApi;

// Reading what the platforms push and answer, with System.Text.Json's generated code: a field of the wrong type must
// not throw the whole message away where the platforms' own samples disagree with their docs (a number where a string
// is written, "header" for "headers"); the adapters decide which mistyped parts make a body malformed. These
// converters say, per field, how a value of the wrong type is read.

/// <summary>A string field: a value of another type reads as absent (null).</summary>
public sealed class StringOrAbsent : JsonConverter<string?>
{
    public override string? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType == JsonTokenType.String)
        {
            return reader.GetString();
        }

        reader.Skip();
        return null;
    }

    public override void Write(Utf8JsonWriter writer, string? value, JsonSerializerOptions options) => writer.WriteStringValue(value);
}

/// <summary>A string field that may come as a number (its digits, as written); any other type reads as absent.</summary>
public sealed class StringOrNumber : JsonConverter<string?>
{
    public override string? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        switch (reader.TokenType)
        {
            case JsonTokenType.String:
                return reader.GetString();
            case JsonTokenType.Number:
                return System.Text.Encoding.UTF8.GetString(reader.HasValueSequence ? System.Buffers.BuffersExtensions.ToArray(reader.ValueSequence) : reader.ValueSpan);
            default:
                reader.Skip();
                return null;
        }
    }

    public override void Write(Utf8JsonWriter writer, string? value, JsonSerializerOptions options) => writer.WriteStringValue(value);
}

/// <summary>
/// An object or array field read as <typeparamref name="T"/> when it is one, and otherwise as absent, with the token
/// that was there (<see cref="JsonTokenType.None"/> when the field was not), for a reader to which a mistyped part makes
/// the body malformed.
/// </summary>
[JsonConverter(typeof(TypedConverterFactory))]
public readonly record struct Typed<T>(T? Value, JsonTokenType Token)
    where T : class
{
    /// <summary>The field was there, even as null.</summary>
    public bool Present => Token != JsonTokenType.None;

    /// <summary>The field was there with neither the type read nor null.</summary>
    public bool Mistyped => Value is null && Token is not (JsonTokenType.None or JsonTokenType.Null);
}

/// <summary>Makes the converter of each <see cref="Typed{T}"/>; <typeparamref name="T"/> must be in the reader's context.</summary>
public sealed class TypedConverterFactory : JsonConverterFactory
{
    public override bool CanConvert(Type typeToConvert) => typeToConvert.IsGenericType && typeToConvert.GetGenericTypeDefinition() == typeof(Typed<>);

    public override JsonConverter CreateConverter(Type typeToConvert, JsonSerializerOptions options) =>
        (JsonConverter)Activator.CreateInstance(typeof(TypedConverter<>).MakeGenericType(typeToConvert.GetGenericArguments()[0]))!;

    private sealed class TypedConverter<T> : JsonConverter<Typed<T>>
        where T : class
    {
        private static readonly JsonTokenType Start = typeof(T).IsArray ? JsonTokenType.StartArray : JsonTokenType.StartObject;

        public override bool HandleNull => true;

        public override Typed<T> Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
        {
            var token = reader.TokenType;
            if (token == Start)
            {
                return new((T?)JsonSerializer.Deserialize(ref reader, options.GetTypeInfo(typeof(T))), token);
            }

            reader.Skip();
            return new(null, token);
        }

        public override void Write(Utf8JsonWriter writer, Typed<T> value, JsonSerializerOptions options) =>
            JsonSerializer.Serialize(writer, value.Value, options.GetTypeInfo(typeof(T)));
    }
}

/// <summary>An integer field (an errcode): a value of another type, or out of range, reads as absent.</summary>
public sealed class Int32OrAbsent : JsonConverter<int?>
{
    public override bool HandleNull => true;

    public override int? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType == JsonTokenType.Number && reader.TryGetInt32(out var value))
        {
            return value;
        }

        reader.Skip();
        return null;
    }

    public override void Write(Utf8JsonWriter writer, int? value, JsonSerializerOptions options)
    {
        if (value is { } number)
        {
            writer.WriteNumberValue(number);
        }
        else
        {
            writer.WriteNullValue();
        }
    }
}
