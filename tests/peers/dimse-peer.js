// A DICOM peer that shares no code with dcmtk: npm dcmjs-dimse as SCU (echo, store) and as storage SCP.
// Usage:
//   node dimse-peer.js echo HOST PORT CALLING CALLED
//   node dimse-peer.js store HOST PORT CALLING CALLED FILE...
//   node dimse-peer.js rewrite IN OUT             (what dcmjs sends for IN: its own re-encoding, written as Part 10)
//   node dimse-peer.js scp PORT AET OUTDIR        (prints LISTENING; writes each received data set byte for byte
//                                                  to OUTDIR/<SOPInstanceUID>.raw and its syntax to .ts)
'use strict';
const fs = require('fs');
const path = require('path');
const dimse = require('dcmjs-dimse');
const { Client, Server, Scp, Dataset } = dimse;
const { CEchoRequest, CStoreRequest } = dimse.requests;
const { CEchoResponse, CStoreResponse } = dimse.responses;
const { Status, PresentationContextResult, RejectResult, RejectSource, RejectReason } = dimse.constants;

const [mode, ...args] = process.argv.slice(2);
if (dimse.log && dimse.log.setLevel) dimse.log.setLevel('warn');
try { require('dcmjs').log.setLevel('error'); } catch (e) { /* older dcmjs */ }
const hex = (s) => '0x' + (s >>> 0).toString(16).padStart(4, '0');

function runClient(host, port, calling, called, requests) {
  const client = new Client();
  let failed = false;
  for (const [label, request] of requests) {
    request.on('response', (response) => {
      const status = response.getStatus();
      console.log(`${label} ${hex(status)}`);
      if (status !== Status.Success) failed = true;
    });
    client.addRequest(request);
  }
  client.on('networkError', (e) => { console.log('NETWORK ERROR ' + e); failed = true; });
  client.on('associationRejected', (r) => { console.log('REJECTED ' + JSON.stringify(r)); failed = true; });
  client.on('closed', () => process.exit(failed ? 1 : 0));
  client.send(host, Number(port), calling, called, { associationTimeout: 10000, pduTimeout: 10000 });
}

if (mode === 'echo') {
  const [host, port, calling, called] = args;
  runClient(host, port, calling, called, [['ECHO', new CEchoRequest()]]);
} else if (mode === 'store') {
  const [host, port, calling, called, ...files] = args;
  runClient(host, port, calling, called, files.map((f) => [`STORE ${f}`, new CStoreRequest(f)]));
} else if (mode === 'rewrite') {
  const [input, output] = args;
  Dataset.fromFile(input, (error, dataset) => {
    if (error) { console.error(String(error)); process.exit(1); }
    dataset.toFile(output, (e) => process.exit(e ? 1 : 0));
  });
} else if (mode === 'scp') {
  const [port, aet, outDir] = args;
  class StorageScp extends Scp {
    associationRequested(association) {
      this.association = association;
      if (association.getCalledAeTitle() !== aet) {
        this.sendAssociationReject(RejectResult.Permanent, RejectSource.ServiceUser, RejectReason.CalledAeNotRecognized);
        return;
      }
      for (const c of association.getPresentationContexts()) {
        const context = association.getPresentationContext(c.id);
        const syntaxes = context.getTransferSyntaxUids();
        context.setResult(PresentationContextResult.Accept, syntaxes[0]);
      }
      this.sendAssociationAccept();
    }
    cEchoRequest(request, callback) {
      const response = CEchoResponse.fromRequest(request);
      response.setStatus(Status.Success);
      callback(response);
    }
    // Keep the data set exactly as received (dcmjs would rewrite it on toFile).
    createStoreWritableStream(context, request) {
      const uid = request.getAffectedSopInstanceUid();
      const ts = context.getAcceptedTransferSyntaxUid();
      fs.writeFileSync(path.join(outDir, uid + '.ts'), ts);
      return fs.createWriteStream(path.join(outDir, uid + '.raw'));
    }
    createDatasetFromStoreWritableStream(writable, context, callback) {
      const done = () => callback(new Dataset({}, context.getAcceptedTransferSyntaxUid()));
      if (writable.writableFinished) done(); else writable.on('finish', done);
    }
    cStoreRequest(request, callback) {
      const response = CStoreResponse.fromRequest(request);
      response.setStatus(Status.Success);
      console.log(`STORED ${request.getAffectedSopInstanceUid()}`);
      callback(response);
    }
    associationReleaseRequested() {
      this.sendAssociationReleaseResponse();
    }
  }
  const server = new Server(StorageScp);
  server.on('networkError', (e) => console.log('NETWORK ERROR ' + e));
  server.listen(Number(port));
  console.log('LISTENING');
  process.on('SIGTERM', () => { server.close(); process.exit(0); });
} else {
  console.error('usage: node dimse-peer.js echo|store|scp ...');
  process.exit(64);
}
