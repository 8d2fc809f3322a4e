import { BOOLEAN, INTEGER, NUMBER, nullable, object, STRING } from '../../http/route-schema.ts';

export const EXIF = nullable(object({ takenAt: nullable(STRING), lat: nullable(NUMBER), lng: nullable(NUMBER) }, ['takenAt', 'lat', 'lng']));

export const FILE_VIEW = object(
  { id: STRING, object: STRING, recordId: STRING, name: STRING, type: STRING, size: INTEGER, sha256: STRING, thumbnail: BOOLEAN, exif: EXIF, createdBy: nullable(STRING), createdAt: STRING },
  ['id', 'object', 'recordId', 'name', 'type', 'size', 'thumbnail', 'exif', 'createdAt'],
);

/** The upload's body, documented per media type: fastify validates the multipart part list as no JSON body. */
export const UPLOAD_BODY = {
  content: {
    'multipart/form-data': {
      schema: {
        type: 'object',
        description: 'One part named "file": the bytes, with the file name. Its type is read from the bytes, not from the name or the part header.',
        properties: { file: { type: 'string', format: 'binary' } },
      },
    },
  },
};
