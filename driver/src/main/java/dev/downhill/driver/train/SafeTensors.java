package dev.downhill.driver.train;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.downhill.core.model.ParameterTensor;
import dev.downhill.driver.io.BadInputException;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Hugging Face's safetensors layout (https://github.com/huggingface/safetensors): an 8-byte little-endian
 * header length N, N bytes of JSON header mapping each tensor name to {dtype, shape, data_offsets [begin, end)}
 * relative to the data that follows (plus an optional "__metadata__" map of strings), then the raw
 * little-endian tensor bytes, contiguous in header order. Downhill writes F64, named as the model's
 * {@link ParameterTensor}s ({@code layers.i.weight} [out, in], {@code layers.i.bias} [out], PyTorch's
 * {@code nn.Linear} names), so {@code safetensors.torch.load_file} gives a state dict for an {@code nn.Sequential}
 * of {@code nn.Linear} layers held in a {@code layers} list. The header is padded with spaces to a multiple of
 * 8 bytes so the data is 8-byte aligned. Values are streamed in chunks; the flat vector is never turned into text.
 */
public final class SafeTensors {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int CHUNK = 1 << 16;
    /** Headers above this are not a Downhill model (the format itself caps them at 100 MB). */
    private static final long MAX_HEADER = 100L << 20;

    private SafeTensors() {}

    /** Writes the tensors (slices of {@code flat} at their offsets) with the metadata strings. */
    public static void write(OutputStream out, List<ParameterTensor> tensors, double[] flat, Map<String, String> metadata)
            throws IOException {
        ObjectNode header = JSON.createObjectNode();
        if (metadata != null && !metadata.isEmpty()) {
            ObjectNode meta = header.putObject("__metadata__");
            metadata.forEach(meta::put);
        }
        long begin = 0;
        for (ParameterTensor t : tensors) {
            ObjectNode e = header.putObject(t.name());
            e.put("dtype", "F64");
            ArrayNode shape = e.putArray("shape");
            for (int s : t.shape()) {
                shape.add(s);
            }
            long end = begin + 8L * t.size();
            e.putArray("data_offsets").add(begin).add(end);
            begin = end;
        }
        byte[] text = JSON.writeValueAsBytes(header);
        int padded = (text.length + 7) / 8 * 8;
        ByteBuffer head = ByteBuffer.allocate(8 + padded).order(ByteOrder.LITTLE_ENDIAN);
        head.putLong(padded).put(text);
        while (head.hasRemaining()) {
            head.put((byte) ' ');
        }
        out.write(head.array());
        ByteBuffer buf = ByteBuffer.allocate(CHUNK * 8).order(ByteOrder.LITTLE_ENDIAN);
        for (ParameterTensor t : tensors) {
            int from = t.offset();
            int to = from + t.size();
            for (int i = from; i < to; i++) {
                if (!buf.hasRemaining()) {
                    out.write(buf.array(), 0, buf.position());
                    buf.clear();
                }
                buf.putDouble(flat[i]);
            }
        }
        out.write(buf.array(), 0, buf.position());
    }

    /** What a file holds: each tensor's shape and values (F64 or F32, widened exactly), in header order. */
    public static final class Contents {
        public final Map<String, int[]> shapes = new LinkedHashMap<>();
        public final Map<String, double[]> values = new LinkedHashMap<>();
        public final Map<String, String> metadata = new LinkedHashMap<>();
    }

    /**
     * Reads a whole file. A malformed file (short, a header that is not JSON, offsets that do not match the
     * shapes, a dtype other than F64 or F32) is a {@link BadInputException} naming {@code where}.
     */
    public static Contents read(InputStream input, String where) throws IOException {
        DataInputStream in = new DataInputStream(input);
        try {
            byte[] lengthBytes = new byte[8];
            in.readFully(lengthBytes);
            long n = ByteBuffer.wrap(lengthBytes).order(ByteOrder.LITTLE_ENDIAN).getLong();
            if (n < 2 || n > MAX_HEADER) {
                throw invalid(where, "its header length is " + n + " bytes");
            }
            byte[] text = new byte[(int) n];
            in.readFully(text);
            JsonNode header;
            try {
                header = JSON.readTree(new String(text, StandardCharsets.UTF_8).trim());
            } catch (IOException e) {
                throw invalid(where, "its header is not JSON");
            }
            if (header == null || !header.isObject()) {
                throw invalid(where, "its header is not a JSON object");
            }
            Contents c = new Contents();
            long expectedBegin = 0;
            for (Map.Entry<String, JsonNode> e : (Iterable<Map.Entry<String, JsonNode>>) header::fields) {
                String name = e.getKey();
                JsonNode v = e.getValue();
                if ("__metadata__".equals(name)) {
                    v.fields().forEachRemaining(m -> c.metadata.put(m.getKey(), m.getValue().asText()));
                    continue;
                }
                String dtype = v.path("dtype").asText();
                int width = "F64".equals(dtype) ? 8 : "F32".equals(dtype) ? 4 : -1;
                if (width < 0) {
                    throw invalid(where, "tensor " + name + " has dtype " + v.get("dtype") + "; Downhill reads F64 and F32");
                }
                JsonNode shapeNode = v.get("shape");
                JsonNode offsets = v.get("data_offsets");
                if (shapeNode == null || !shapeNode.isArray() || offsets == null || offsets.size() != 2) {
                    throw invalid(where, "tensor " + name + " lacks a shape or data_offsets");
                }
                int[] shape = new int[shapeNode.size()];
                long count = 1;
                for (int i = 0; i < shape.length; i++) {
                    shape[i] = shapeNode.get(i).asInt(-1);
                    if (shape[i] < 0) {
                        throw invalid(where, "tensor " + name + " has shape " + shapeNode);
                    }
                    count *= shape[i];
                }
                long begin = offsets.get(0).asLong(-1);
                long end = offsets.get(1).asLong(-1);
                // Tensors are read in header order, so each must start where the previous ended.
                if (begin != expectedBegin || end - begin != count * width || count > Integer.MAX_VALUE - 8) {
                    throw invalid(where, "tensor " + name + " has data_offsets " + offsets + " for shape "
                            + Arrays.toString(shape) + " of " + dtype + " (expected to start at " + expectedBegin + ")");
                }
                expectedBegin = end;
                double[] values = new double[(int) count];
                byte[] raw = new byte[(int) Math.min(CHUNK * 8L, count * width)];
                int done = 0;
                while (done < count) {
                    int take = (int) Math.min(raw.length / width, count - done);
                    in.readFully(raw, 0, take * width);
                    ByteBuffer b = ByteBuffer.wrap(raw, 0, take * width).order(ByteOrder.LITTLE_ENDIAN);
                    for (int i = 0; i < take; i++) {
                        values[done + i] = width == 8 ? b.getDouble() : b.getFloat();
                    }
                    done += take;
                }
                c.shapes.put(name, shape);
                c.values.put(name, values);
            }
            return c;
        } catch (EOFException e) {
            throw invalid(where, "it ends before the data its header describes");
        }
    }

    /**
     * The flat parameter vector laid out as {@code tensors}, from a file's contents: every tensor must be present
     * with its shape; a missing tensor or another shape is an error naming both shapes.
     */
    public static double[] flatten(Contents c, List<ParameterTensor> tensors, int numParameters, String where) {
        double[] flat = new double[numParameters];
        for (ParameterTensor t : tensors) {
            int[] shape = c.shapes.get(t.name());
            if (shape == null) {
                throw new BadInputException("model parameters " + where + " have no tensor " + t.name() + " (the"
                        + " architecture needs shape " + Arrays.toString(t.shape()) + "; the file has "
                        + c.shapes.keySet() + ").");
            }
            if (!Arrays.equals(shape, t.shape())) {
                throw new BadInputException("model parameters " + where + ": tensor " + t.name() + " has shape "
                        + Arrays.toString(shape) + ", but the architecture needs " + Arrays.toString(t.shape()) + ".");
            }
            System.arraycopy(c.values.get(t.name()), 0, flat, t.offset(), t.size());
        }
        if (c.shapes.size() != tensors.size()) {
            throw new BadInputException("model parameters " + where + " hold " + c.shapes.size() + " tensors "
                    + c.shapes.keySet() + "; the architecture has " + tensors.size() + ".");
        }
        return flat;
    }

    private static BadInputException invalid(String where, String what) {
        return new BadInputException("model parameters " + where + " are not a valid safetensors file: " + what + ".");
    }
}
