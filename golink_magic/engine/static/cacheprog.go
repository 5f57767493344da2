// golink-cacheprog serves Go's build cache to the go command (GOCACHEPROG, Go 1.24 and later)
// from two places: a read-only cache that an administrator warmed for every learner on the
// host, and the learner's own overlay, where everything the learner's builds produce goes.
//
//	golink-cacheprog SYSTEM_GOCACHE OVERLAY_DIR
//
// Both folders use the go command's own disk-cache layout (XX/ACTIONID-a entries naming
// XX/OUTPUTID-d files), so a cache warmed by a plain `go build` serves as SYSTEM_GOCACHE.  A get
// looks in the overlay first, then in the system cache; a put always writes to the overlay.  Nothing
// is ever written to the system cache, and nothing another user can write is read.
package main

import (
	"bufio"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

type request struct {
	ID       int64
	Command  string
	ActionID []byte `json:",omitempty"`
	OutputID []byte `json:",omitempty"`
	ObjectID []byte `json:",omitempty"` // the name Go 1.21-1.23's experiment used for OutputID
	BodySize int64  `json:",omitempty"`
}

type response struct {
	ID            int64
	Err           string     `json:",omitempty"`
	KnownCommands []string   `json:",omitempty"`
	Miss          bool       `json:",omitempty"`
	OutputID      []byte     `json:",omitempty"`
	Size          int64      `json:",omitempty"`
	Time          *time.Time `json:",omitempty"`
	DiskPath      string     `json:",omitempty"`
}

// entry reads DIR/XX/ACTIONID-a ("v1 ACTION OUTPUT SIZE TIME") and checks its output file.
func entry(dir string, action []byte) (out []byte, size int64, when time.Time, path string, err error) {
	a := hex.EncodeToString(action)
	data, err := os.ReadFile(filepath.Join(dir, a[:2], a+"-a"))
	if err != nil {
		return nil, 0, when, "", err
	}
	f := strings.Fields(string(data))
	if len(f) != 5 || f[0] != "v1" || f[1] != a {
		return nil, 0, when, "", errors.New("malformed entry")
	}
	if out, err = hex.DecodeString(f[2]); err != nil || len(out) != sha256.Size {
		return nil, 0, when, "", errors.New("malformed output id")
	}
	if size, err = strconv.ParseInt(f[3], 10, 64); err != nil {
		return nil, 0, when, "", err
	}
	nanos, err := strconv.ParseInt(f[4], 10, 64)
	if err != nil {
		return nil, 0, when, "", err
	}
	path = filepath.Join(dir, f[2][:2], f[2]+"-d")
	info, err := os.Stat(path)
	if err != nil || info.Size() != size || !info.Mode().IsRegular() {
		return nil, 0, when, "", errors.New("missing or changed output")
	}
	return out, size, time.Unix(0, nanos), path, nil
}

// write puts data at path through a temporary file, so a reader never sees half of it.
func write(path string, data []byte) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".tmp-*")
	if err != nil {
		return err
	}
	_, werr := tmp.Write(data)
	cerr := tmp.Close()
	if werr != nil || cerr != nil {
		os.Remove(tmp.Name())
		return errors.Join(werr, cerr)
	}
	return os.Rename(tmp.Name(), path)
}

func put(overlay string, req request, body []byte) (response, error) {
	out := req.OutputID
	if len(out) == 0 {
		out = req.ObjectID
	}
	if len(req.ActionID) != sha256.Size || len(out) != sha256.Size || int64(len(body)) != req.BodySize {
		return response{}, errors.New("bad put")
	}
	if sum := sha256.Sum256(body); hex.EncodeToString(sum[:]) != hex.EncodeToString(out) && req.BodySize > 0 {
		// The go command names an output by its content hash; anything else is not a cache entry.
		return response{}, errors.New("output id does not match the body")
	}
	o, a := hex.EncodeToString(out), hex.EncodeToString(req.ActionID)
	path := filepath.Join(overlay, o[:2], o+"-d")
	if err := write(path, body); err != nil {
		return response{}, err
	}
	now := time.Now()
	line := fmt.Sprintf("v1 %s %s %20d %20d\n", a, o, len(body), now.UnixNano())
	if err := write(filepath.Join(overlay, a[:2], a+"-a"), []byte(line)); err != nil {
		return response{}, err
	}
	return response{ID: req.ID, OutputID: out, Size: int64(len(body)), Time: &now, DiskPath: path}, nil
}

func main() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: golink-cacheprog SYSTEM_GOCACHE OVERLAY_DIR")
		os.Exit(2)
	}
	system, overlay := os.Args[1], os.Args[2]
	in := bufio.NewReaderSize(os.Stdin, 1<<20)
	enc := json.NewEncoder(os.Stdout)
	if err := enc.Encode(response{ID: 0, KnownCommands: []string{"get", "put", "close"}}); err != nil {
		os.Exit(1)
	}
	for {
		line, err := in.ReadBytes('\n')
		if len(line) == 0 && err != nil {
			return // the go command closed our input
		}
		if len(strings.TrimSpace(string(line))) == 0 {
			continue // the go command ends each request with an empty line
		}
		var req request
		if err := json.Unmarshal(line, &req); err != nil {
			fmt.Fprintln(os.Stderr, "golink-cacheprog: bad request:", err)
			os.Exit(1)
		}
		var resp response
		switch req.Command {
		case "get":
			resp = response{ID: req.ID, Miss: true}
			for _, dir := range []string{overlay, system} {
				if out, size, when, path, err := entry(dir, req.ActionID); err == nil {
					resp = response{ID: req.ID, OutputID: out, Size: size, Time: &when, DiskPath: path}
					break
				}
			}
		case "put":
			var body []byte
			if req.BodySize > 0 {
				raw, err := in.ReadBytes('\n')
				for err == nil && len(strings.TrimSpace(string(raw))) == 0 {
					raw, err = in.ReadBytes('\n')
				}
				var text string
				if err == nil {
					err = json.Unmarshal(raw, &text)
				}
				if err == nil {
					body, err = base64.StdEncoding.DecodeString(text)
				}
				if err != nil {
					fmt.Fprintln(os.Stderr, "golink-cacheprog: bad put body:", err)
					os.Exit(1)
				}
			}
			if r, err := put(overlay, req, body); err != nil {
				resp = response{ID: req.ID, Err: err.Error()}
			} else {
				resp = r
			}
		case "close":
			enc.Encode(response{ID: req.ID})
			return
		default:
			resp = response{ID: req.ID, Err: "unknown command " + req.Command}
		}
		if err := enc.Encode(resp); err != nil {
			os.Exit(1)
		}
	}
}
